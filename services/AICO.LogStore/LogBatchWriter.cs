using AICO.Logging;
using AICO.Storage;
using Microsoft.Data.Sqlite;

namespace AICO.LogStore;

/// <summary>
/// Writes log batches into the logs table, one transaction per call, de-duplicating by (producer, sequence) and
/// keeping each producer's delivery accounting in log_producers in the same transaction. The accounting (which
/// sequences are stored) is read from log_producers inside the write transaction, so it is the de-duplication: the
/// logs table needs no unique index, and two consumers on one file (an old one still stopping) cannot store a record
/// twice. A transaction retried after BUSY/LOCKED (the storage retry pipeline runs the whole unit again) or failed for
/// good leaves nothing half-counted.
/// Durability (WAL): every commit reaches the operating system before the consumer acknowledges it, so a crash of the
/// consumer loses nothing acknowledged; a commit is also forced to the disk (synchronous=FULL: one fsync of the WAL
/// covers every earlier commit) when the last forced one is <see cref="DurableInterval"/> old (zero: every commit), the
/// others use NORMAL.
/// Under load that is one fsync a second instead of one per transaction; at a trickle every commit is forced.
/// </summary>
internal sealed class LogBatchWriter(EncryptedDatabase database, TimeProvider? time = null, TimeSpan? durableInterval = null)
{
    private const string UpsertProducerSql =
        "INSERT INTO log_producers (producer, component, received, duplicates, gaps, contiguous, max_sequence, committed_above, first_seen, last_seen) " +
        "VALUES ($producer, $component, $received, $duplicates, $gaps, $contiguous, $max, $above, $now, $now) " +
        "ON CONFLICT (producer) DO UPDATE SET received = excluded.received, duplicates = excluded.duplicates, gaps = excluded.gaps, " +
        "contiguous = excluded.contiguous, max_sequence = excluded.max_sequence, committed_above = excluded.committed_above, last_seen = excluded.last_seen";

    /// <summary>At most this much committed work waits for the disk (see docs/decisions.md, issue 9).</summary>
    public TimeSpan DurableInterval { get; } = durableInterval ?? new LogConsumerOptions().DurableInterval;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long? _lastForced;

    /// <summary>Commits made with synchronous=FULL (forced to the disk) since this writer started.</summary>
    internal long ForcedCommits { get; private set; }

    /// <summary>Commits the batches; returns each producer's highest contiguous committed sequence.</summary>
    public IReadOnlyDictionary<string, long> Write(IReadOnlyList<LogBatch> batches, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        var force = _lastForced is not { } last || _time.GetElapsedTime(last, started) >= DurableInterval;
        var committed = database.Execute(connection =>
        {
            // Outside any transaction: SQLite refuses to change the safety level inside one.
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = force ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
                pragma.ExecuteNonQuery();
            }

            using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
            var attempt = new Dictionary<string, ProducerProgress>(StringComparer.Ordinal);
            using var rows = new LogRowBinder(connection);
            foreach (var batch in batches)
            {
                if (!attempt.TryGetValue(batch.Producer, out var progress))
                {
                    progress = Load(connection, transaction, batch.Producer);
                    attempt[batch.Producer] = progress;
                }

                // The time the row is stored: one reading per bus batch (a transaction commits within milliseconds of it).
                rows.Insert(batch, System.Text.Encoding.ASCII.GetBytes(LogTimestamps.ToStoredText(_time.GetUtcNow())), progress);
            }

            SaveProgress(connection, transaction, attempt.Values);
            transaction.Commit();
            return attempt;
        }, cancellationToken);

        if (force)
        {
            _lastForced = started;
            ForcedCommits++;
        }

        var acks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (producer, progress) in committed)
        {
            acks[producer] = progress.Contiguous;
        }

        return acks;
    }

    /// <summary>"gateway/3f2a..." belongs to component "gateway".</summary>
    public static string ComponentOf(string producer)
    {
        var slash = producer.IndexOf('/');
        return slash > 0 ? producer[..slash] : producer;
    }

    /// <summary>
    /// One lookup per producer and transaction: cheap beside the thousands of rows it covers. A new producer gets its
    /// log_producers row (and so its id, which its rows carry) before its first row; the counters follow at the end.
    /// </summary>
    private ProducerProgress Load(SqliteConnection connection, SqliteTransaction transaction, string producer)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id, contiguous, max_sequence, received, duplicates, committed_above FROM log_producers WHERE producer = $producer";
        command.Parameters.AddWithValue("$producer", producer);
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                return ProducerProgress.Restore(producer, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5));
            }
        }

        command.CommandText = "INSERT INTO log_producers (producer, component, first_seen, last_seen) VALUES ($producer, $component, $now, $now) RETURNING id";
        command.Parameters.AddWithValue("$component", ComponentOf(producer));
        command.Parameters.AddWithValue("$now", LogTimestamps.ToText(_time.GetUtcNow()));
        return new ProducerProgress(producer) { Id = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) };
    }

    private void SaveProgress(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<ProducerProgress> progress)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = UpsertProducerSql;
        var now = LogTimestamps.ToText(_time.GetUtcNow());
        foreach (var p in progress)
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$producer", p.Producer);
            command.Parameters.AddWithValue("$component", ComponentOf(p.Producer));
            command.Parameters.AddWithValue("$received", p.Received);
            command.Parameters.AddWithValue("$duplicates", p.Duplicates);
            command.Parameters.AddWithValue("$gaps", p.OpenGaps);
            command.Parameters.AddWithValue("$contiguous", p.Contiguous);
            command.Parameters.AddWithValue("$max", p.MaxSequence);
            command.Parameters.AddWithValue("$above", p.CommittedAboveText);
            command.Parameters.AddWithValue("$now", now);
            command.ExecuteNonQuery();
        }
    }
}
