using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace AICO.Storage.Tests;

public class KeyMismatchTests
{
    [Fact]
    public void A_wrong_key_fails_at_once_with_the_clear_message_and_no_retries()
    {
        using var temp = new TempDatabase();
        temp.Open().Migrate();
        var wrong = temp.Open(RandomNumberGenerator.GetBytes(32));

        var ex = Assert.Throws<DatabaseKeyMismatchException>(() => wrong.Execute(c => Sql.Long(c, "SELECT count(*) FROM logs")));

        Assert.StartsWith("database key does not match", ex.Message);
        Assert.Contains(temp.DatabaseFile, ex.Message);
        Assert.Equal(26, ((SqliteException)ex.InnerException!).SqliteErrorCode);
        Assert.Equal(0, wrong.RetryCount);
    }

    [Fact]
    public async Task Every_entry_point_reports_a_wrong_key_the_same_way()
    {
        using var temp = new TempDatabase();
        temp.Open().Migrate();
        var wrong = temp.Open(RandomNumberGenerator.GetBytes(32));

        Assert.Throws<DatabaseKeyMismatchException>(() => wrong.Open());
        Assert.Throws<DatabaseKeyMismatchException>(() => wrong.Migrate());
        Assert.Throws<DatabaseKeyMismatchException>(() => wrong.Write((c, tx) => 1));
        await Assert.ThrowsAsync<DatabaseKeyMismatchException>(() => wrong.ExecuteAsync((c, ct) => ValueTask.FromResult(1)).AsTask());
        await Assert.ThrowsAsync<DatabaseKeyMismatchException>(() => wrong.WriteAsync((c, tx, ct) => ValueTask.FromResult(1)).AsTask());
        Assert.Equal(0, wrong.RetryCount);
    }

    [Fact]
    public void The_right_key_still_works_after_a_wrong_key_was_tried_in_the_same_process()
    {
        using var temp = new TempDatabase();
        var right = temp.Open();
        right.Migrate();

        Assert.Throws<DatabaseKeyMismatchException>(() => temp.Open(RandomNumberGenerator.GetBytes(32)).Migrate());

        Assert.Equal(0L, right.Execute(c => Sql.Long(c, "SELECT count(*) FROM logs")));
    }

    [Fact]
    public void A_plaintext_sqlite_file_is_reported_as_a_key_mismatch_too()
    {
        using var temp = new TempDatabase();
        Directory.CreateDirectory(temp.Paths.DataDirectory);
        using (var plain = new SqliteConnection($"Data Source={temp.DatabaseFile};Pooling=False"))
        {
            plain.Open();
            Sql.Scalar(plain, "CREATE TABLE t (x INTEGER)");
        }

        var ex = Assert.Throws<DatabaseKeyMismatchException>(() => temp.Open().Migrate());

        Assert.StartsWith("database key does not match", ex.Message);
    }
}
