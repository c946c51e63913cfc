using AICO.Storage;
using Microsoft.Data.Sqlite;

namespace AICO.LogStore.Tests;

/// <summary>
/// The words the consumer's health shows for a database it cannot write: each failure SQLite reports must be named
/// for what it is (disk full, I/O error, wrong key), whether SQLite gives the primary or the extended result code.
/// </summary>
public class DatabaseProblemTextTests
{
    [Theory]
    [InlineData(10, 778, "I/O error writing the database")]
    [InlineData(10, 1034, "I/O error flushing the database to the disk (fsync)")]
    [InlineData(10, 266, "I/O error reading the database")]
    [InlineData(10, 10, "I/O error: ")]
    [InlineData(778, 778, "I/O error writing the database")]
    [InlineData(1034, 1034, "I/O error flushing")]
    [InlineData(13, 13, "the disk is full")]
    [InlineData(26, 26, "the database key does not open the database")]
    [InlineData(8, 1032, "the database is read-only")]
    [InlineData(14, 14, "the database file cannot be opened")]
    [InlineData(11, 11, "the database file is damaged")]
    public void A_SQLite_failure_is_named_for_what_failed_whether_the_code_is_primary_or_extended(int code, int extended, string expected)
    {
        var text = DatabaseProblemText.Describe(new SqliteException("SQLite Error: 'disk I/O error'.", code, extended));

        Assert.StartsWith(expected, text, StringComparison.Ordinal);
        Assert.Contains("disk I/O error", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_operating_system_IO_exception_is_named_an_IO_error_with_its_message()
    {
        var text = DatabaseProblemText.Describe(new IOException("Input/output error : '/data/aico.db'"));

        Assert.Equal("I/O error: Input/output error : '/data/aico.db'", text);
    }

    [Fact]
    public void A_key_mismatch_keeps_the_storage_layers_explanation()
    {
        var text = DatabaseProblemText.Describe(new DatabaseKeyMismatchException("database key does not match the database file x"));

        Assert.Equal("database key does not match the database file x", text);
    }

    [Fact]
    public void A_failure_the_classifier_does_not_know_is_passed_on_unchanged_not_hidden()
    {
        var text = DatabaseProblemText.Describe(new SqliteException("SQLite Error 19: 'constraint failed'.", 19, 19));

        Assert.Equal("SQLite Error 19: 'constraint failed'.", text);
    }
}
