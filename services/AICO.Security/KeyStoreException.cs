namespace AICO.Security;

/// <summary>The key store is missing, damaged or would be overwritten; the message says which and what to do.</summary>
public sealed class KeyStoreException(string message) : Exception(message);
