using System.Text;
using Microsoft.Data.Sqlite;

namespace AICO.Storage.Tests;

public class EncryptionTests
{
    private const string Marker = "PLAINTEXT-MARKER-7f3a9c";

    [Fact]
    public void Neither_the_file_nor_its_wal_contains_the_sqlite_header_or_row_content()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        database.Migrate();
        using var keepWalOpen = database.Open(); // while a connection is open, the rows stay in the -wal file
        database.Write((c, tx) =>
        {
            for (var i = 0; i < 50; i++)
            {
                Sql.InsertLog(c, tx, "encryption-test", i, $"{Marker} secret user text {i}", $"{{\"marker\":\"{Marker}\"}}");
            }

            return true;
        });

        var wal = ReadShared(temp.DatabaseFile + "-wal");
        Assert.True(wal.Length > 4096, "the rows must be in the WAL for this check to mean anything");
        AssertEncrypted(ReadShared(temp.DatabaseFile), wal);

        database.Execute(c => Sql.Scalar(c, "PRAGMA wal_checkpoint(TRUNCATE)"));
        AssertEncrypted(ReadShared(temp.DatabaseFile), ReadShared(temp.DatabaseFile + "-wal"));
        Assert.Equal(50L, database.Execute(c => Sql.Long(c, $"SELECT count(*) FROM logs WHERE message LIKE '{Marker}%'")));
    }

    [Fact]
    public void The_database_and_its_wal_are_readable_by_the_owner_only()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        database.Migrate();
        using var keepWalOpen = database.Open();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(temp.DatabaseFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(temp.DatabaseFile + "-wal"));
    }

    [Fact]
    public void Every_connection_is_sqlcipher_4_14_in_wal_mode_with_busy_timeout_and_foreign_keys()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();

        database.Execute(c =>
        {
            Assert.StartsWith("4.14.", (string)Sql.Scalar(c, "PRAGMA cipher_version")!);
            Assert.Equal("wal", Sql.Scalar(c, "PRAGMA journal_mode"));
            Assert.Equal(10000L, Sql.Long(c, "PRAGMA busy_timeout"));
            Assert.Equal(1L, Sql.Long(c, "PRAGMA foreign_keys"));
            return true;
        });
    }

    [Fact]
    public void The_file_opens_in_a_plain_sqlcipher_session_with_default_settings_and_the_raw_key()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        database.Migrate();
        database.Write((c, tx) => Sql.InsertLog(c, tx, "p", 1, "readable elsewhere"));
        SqliteConnection.ClearAllPools();

        // What a user types in the sqlcipher shell: no cipher settings, just PRAGMA key = "x'<hex>'".
        using var plain = new SqliteConnection($"Data Source={temp.DatabaseFile};Pooling=False");
        plain.Open();
        Sql.Scalar(plain, $"PRAGMA key = \"x'{Convert.ToHexStringLower(temp.Key)}'\"");

        Assert.Equal("readable elsewhere", Sql.Scalar(plain, "SELECT message FROM logs"));
        Assert.Equal(4096L, Sql.Long(plain, "PRAGMA cipher_page_size"));
    }

    private static void AssertEncrypted(byte[] database, byte[] wal)
    {
        Assert.True(database.Length >= 16);
        Assert.False(database.AsSpan(0, 16).SequenceEqual("SQLite format 3\0"u8), "the database starts with the plaintext SQLite header");
        Assert.Equal(-1, database.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Marker)));
        Assert.Equal(-1, wal.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Marker)));
        Assert.Equal(-1, database.AsSpan().IndexOf("CREATE TABLE"u8));
        Assert.Equal(-1, wal.AsSpan().IndexOf("CREATE TABLE"u8));
    }

    private static byte[] ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
