namespace AICO.Storage;

/// <summary>
/// The database file cannot be decrypted with the key we hold (or no key was given). Reported at once, never retried:
/// waiting cannot make a wrong key right.
/// </summary>
public sealed class DatabaseKeyMismatchException(string message, Exception? inner = null) : StorageException(message, inner)
{
    public const string MessagePrefix = "database key does not match";

    internal static DatabaseKeyMismatchException ForFile(string databasePath, Exception inner) => new(
        $"{MessagePrefix} the database file {databasePath}: it cannot be decrypted with the key of this installation " +
        "(was the master key replaced, or does the file come from another installation or is it not a SQLCipher database?).",
        inner);

    internal static DatabaseKeyMismatchException Missing(string detail) => new($"{MessagePrefix}: no database key is available ({detail}).");
}
