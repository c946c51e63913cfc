namespace AICO.Storage;

/// <summary>The database cannot be used; the message says why and what to do. Never retried.</summary>
public class StorageException(string message, Exception? inner = null) : Exception(message, inner);
