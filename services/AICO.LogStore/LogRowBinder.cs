using System.Text;
using System.Text.Json;
using AICO.Logging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace AICO.LogStore;

/// <summary>
/// The log writer's prepared INSERT, bound straight from the wire payload (<see cref="LogBatchReader"/> spans) with
/// SQLite's own API: no per-row objects, no boxed parameters. Text columns are built in one reused buffer.
/// </summary>
internal sealed class LogRowBinder : IDisposable
{
    private const string InsertSql =
        "INSERT INTO logs (timestamp, level, subsystem, module, topic, message, trace_id, span_id, exception, extra, sequence, created_at, producer_id) " +
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

    private static readonly byte[][] LevelNames = [.. Enum.GetValues<LogLevel>().Select(l => Encoding.ASCII.GetBytes(LogLevelNames.ToName(l)))];

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _insert;
    private readonly byte[] _text = new byte[1024];
    private readonly TimestampText _timestamps = new();

    public LogRowBinder(SqliteConnection connection)
    {
        _db = connection.Handle!;
        Check(raw.sqlite3_prepare_v2(_db, InsertSql, out _insert));
    }

    /// <summary>Inserts every record of the batch that <paramref name="progress"/> does not hold yet (a resent one is counted as a duplicate).</summary>
    public void Insert(LogBatch batch, ReadOnlySpan<byte> storedAt, ProducerProgress progress)
    {
        // The row names its producer by progress.Id alone (schema 8): the text is in log_producers.
        var producer = Encoding.UTF8.GetBytes(batch.Producer);
        var component = producer.AsSpan(0, Math.Max(0, Array.IndexOf(producer, (byte)'/')));
        Check(raw.sqlite3_bind_text(_insert, 12, storedAt));
        Check(raw.sqlite3_bind_int64(_insert, 13, progress.Id));
        var reader = new LogBatchReader(batch.Payload.Span);
        Span<byte> timestamp = stackalloc byte[TimestampText.Length];
        Span<byte> hex = stackalloc byte[32];
        while (reader.MoveNext())
        {
            if (progress.Holds(reader.Sequence))
            {
                progress.Duplicate();
                continue;
            }

            var category = reader.Category;
            var dot = category.LastIndexOf((byte)'.');
            _timestamps.Write(reader.UnixMicros, timestamp);
            Check(raw.sqlite3_bind_text(_insert, 1, timestamp));
            Check(raw.sqlite3_bind_text(_insert, 2, LevelNames[(int)reader.Level]));
            Check(raw.sqlite3_bind_text(_insert, 3, dot > 0 ? category[..dot] : category));
            Check(raw.sqlite3_bind_text(_insert, 4, dot > 0 && dot < category.Length - 1 ? category[(dot + 1)..] : category));
            Check(raw.sqlite3_bind_text(_insert, 5, Topic(component, category)));
            Check(raw.sqlite3_bind_text(_insert, 6, reader.Message));
            BindHex(7, reader.TraceId, hex);
            BindHex(8, reader.SpanId, hex);
            Check(reader.HasException ? raw.sqlite3_bind_text(_insert, 9, reader.Exception) : raw.sqlite3_bind_null(_insert, 9));
            BindExtra(reader.Extra);
            Check(raw.sqlite3_bind_int64(_insert, 11, reader.Sequence));
            var rc = raw.sqlite3_step(_insert);
            raw.sqlite3_reset(_insert);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            progress.Committed(reader.Sequence);
        }
    }

    public void Dispose() => _insert.Dispose();

    private ReadOnlySpan<byte> Topic(ReadOnlySpan<byte> component, ReadOnlySpan<byte> category)
    {
        // logs/{component}/{category}, as the producer's topic plus its category.
        var length = 5 + component.Length + 1 + category.Length;
        var text = length <= _text.Length ? _text.AsSpan() : new byte[length];
        "logs/"u8.CopyTo(text);
        component.CopyTo(text[5..]);
        text[5 + component.Length] = (byte)'/';
        category.CopyTo(text[(6 + component.Length)..]);
        return text[..length];
    }

    private void BindHex(int index, ReadOnlySpan<byte> id, Span<byte> hex)
    {
        if (id.IsEmpty)
        {
            Check(raw.sqlite3_bind_null(_insert, index));
            return;
        }

        const string digits = "0123456789abcdef";
        for (var i = 0; i < id.Length; i++)
        {
            hex[2 * i] = (byte)digits[id[i] >> 4];
            hex[2 * i + 1] = (byte)digits[id[i] & 0xF];
        }

        Check(raw.sqlite3_bind_text(_insert, index, hex[..(id.Length * 2)]));
    }

    /// <summary>Extra that is not a JSON object (a broken or hostile producer) is kept as a string, never refused.</summary>
    private void BindExtra(ReadOnlySpan<byte> extra)
    {
        if (extra.IsEmpty)
        {
            Check(raw.sqlite3_bind_null(_insert, 10));
        }
        else if (IsJsonObject(extra))
        {
            Check(raw.sqlite3_bind_text(_insert, 10, extra));
        }
        else
        {
            var wrapped = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["unparsed_extra"] = Encoding.UTF8.GetString(extra) });
            Check(raw.sqlite3_bind_text(_insert, 10, wrapped));
        }
    }

    private static bool IsJsonObject(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.TrySkip())
            {
                return false;
            }

            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
