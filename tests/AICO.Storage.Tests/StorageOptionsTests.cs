using System.Security.Cryptography;
using AICO.Security;
using Microsoft.Data.Sqlite;

namespace AICO.Storage.Tests;

public class StorageOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new StorageOptions("/tmp/x/aico.db", new byte[32]);

        Assert.Equal(TimeSpan.FromSeconds(10), options.BusyTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.CommandTimeout);
        Assert.InRange(options.MaxRetryAttempts, 1, 10);
        Assert.True(options.RetryBaseDelay > TimeSpan.Zero);
        Assert.True(options.RetryMaxDelay >= options.RetryBaseDelay);
    }

    [Fact]
    public void The_connection_string_carries_the_key_as_a_sqlcipher_raw_key_and_pools()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var builder = new SqliteConnectionStringBuilder(new StorageOptions("/tmp/x/aico.db", key).ConnectionString);

        Assert.Equal($"x'{Convert.ToHexStringLower(key)}'", builder.Password);
        Assert.Equal(67, builder.Password.Length);
        Assert.True(builder.Pooling);
        Assert.Equal(SqliteOpenMode.ReadWriteCreate, builder.Mode);
        Assert.Equal("/tmp/x/aico.db", builder.DataSource);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void A_key_that_is_not_32_bytes_is_refused(int length)
    {
        var ex = Assert.Throws<ArgumentException>(() => new StorageOptions("/tmp/aico.db", new byte[length]));
        Assert.Contains("32 bytes", ex.Message);
    }

    [Fact]
    public void Bad_values_are_refused_with_the_name_of_the_setting()
    {
        Assert.Throws<ArgumentException>(() => new StorageOptions(" ", new byte[32]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageOptions("/tmp/aico.db", new byte[32]) { BusyTimeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageOptions("/tmp/aico.db", new byte[32]) { MaxRetryAttempts = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageOptions("/tmp/aico.db", new byte[32]) { RetryBaseDelay = TimeSpan.FromMilliseconds(-1) });
    }

    [Fact]
    public void FromKeyStore_uses_the_database_key_derived_from_the_master_key()
    {
        using var temp = new TempDatabase();
        var store = new MasterKeyStore(temp.Paths);
        store.Create(force: false);

        var options = StorageOptions.FromKeyStore(temp.Paths);

        Assert.Equal(temp.Paths.DatabaseFile, options.DatabasePath);
        Assert.Equal(Convert.ToHexStringLower(store.LoadDerivation().DatabaseKey()), options.KeyHex);
    }

    [Fact]
    public void Resolve_prefers_the_injected_database_key()
    {
        using var temp = new TempDatabase();
        var settings = InjectedSettings(temp.Key);

        var options = StorageOptions.Resolve(Components.LogConsumer, name => settings.GetValueOrDefault(name), temp.Paths);

        Assert.Equal(Convert.ToHexStringLower(temp.Key), options.KeyHex);
        Assert.Equal(temp.Paths.DatabaseFile, options.DatabasePath);
    }

    [Fact]
    public void Resolve_without_an_injected_key_or_a_key_store_is_a_key_mismatch_that_says_what_is_missing()
    {
        using var temp = new TempDatabase();

        var ex = Assert.Throws<DatabaseKeyMismatchException>(() => StorageOptions.Resolve(Components.Gateway, _ => null, temp.Paths));

        Assert.StartsWith("database key does not match", ex.Message);
        Assert.Contains("aico security init", ex.Message);
    }

    [Fact]
    public void Resolve_with_injected_bus_keys_but_no_database_key_is_a_key_mismatch()
    {
        using var temp = new TempDatabase();
        var settings = InjectedSettings(databaseKey: null);

        var ex = Assert.Throws<DatabaseKeyMismatchException>(() =>
            StorageOptions.Resolve(Components.Gateway, name => settings.GetValueOrDefault(name), temp.Paths));

        Assert.StartsWith("database key does not match", ex.Message);
        Assert.Contains(ComponentKeys.DatabaseKeySetting, ex.Message);
    }

    internal static Dictionary<string, string?> InjectedSettings(byte[]? databaseKey) => new()
    {
        [ComponentKeys.SecretKeySetting] = CurveKeyPair.Generate().SecretKeyZ85,
        [ComponentKeys.BrokerPublicKeySetting] = CurveKeyPair.Generate().PublicKeyZ85,
        [ComponentKeys.DatabaseKeySetting] = databaseKey is null ? null : Convert.ToHexString(databaseKey),
    };
}
