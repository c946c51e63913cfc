namespace AICO.Storage.Tests;

internal static class ShortLockWaits
{
    /// <summary>Lock waits of a fraction of a second, so a contended write surfaces SQLITE_BUSY quickly.</summary>
    public static StorageOptions WithShortLockWaits(this StorageOptions options, int maxRetries = 20) =>
        new(options.DatabasePath, Convert.FromHexString(options.KeyHex))
        {
            BusyTimeout = TimeSpan.FromMilliseconds(50),
            CommandTimeout = TimeSpan.FromSeconds(1),
            MaxRetryAttempts = maxRetries,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            RetryMaxDelay = TimeSpan.FromMilliseconds(100),
        };
}
