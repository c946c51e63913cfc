using AICO.Logging;
using AICO.Storage;
using Microsoft.Data.Sqlite;

namespace AICO.LogStore;

/// <summary>
/// Writes log batches into the logs table, one transaction per call, de-duplicating by (producer, sequence) and
/// keeping each producer's delivery accounting in log_producers in the same transaction. Progress in memory changes
/// only after the commit, so a transaction retried after BUSY/LOCKED (the storage retry pipeline runs the whole
/// unit again) or failed for good leaves nothing half-counted.
/// </summary>
internal sealed class LogBatchWriter(EncryptedDatabase database, TimeProvider? time = null)
{
    private const string UpsertProducerSql =
        "INSERT INTO log_producers (producer, component, received, duplicates, gaps, contiguous, max_sequence, first_seen, last_seen) " +
        "VALUES ($producer, $component, $received, $duplicates, $gaps, $contiguous, $max, $now, $now) " +
        "ON CONFLICT (producer) DO UPDATE SET received = excluded.received, duplicates = excluded.duplicates, gaps = excluded.gaps, " +
        "contiguous = excluded.contiguous, max_sequence = excluded.max_sequence, last_seen = excluded.last_seen";

    private readonly Dictionary<string, ProducerProgress> _progress = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Commits the batches; returns each producer's highest contiguous committed sequence.</summary>
    public IReadOnlyDictionary<string, long> Write(IReadOnlyList<LogBatch> batches, CancellationToken cancellationToken = default)
    {
        var committed = database.Write((connection, transaction) =>
        {
            var attempt = new Dictionary<string, ProducerProgress>(StringComparer.Ordinal);
            using var rows = new LogRowBinder(connection);
            foreach (var batch in batches)
            {
                if (!attempt.TryGetValue(batch.Producer, out var progress))
                {
                    progress = (_progress.TryGetValue(batch.Producer, out var known) ? known : Load(connection, transaction, batch.Producer)).Clone();
                    attempt[batch.Producer] = progress;
                }

                // The time the row is stored: one reading per bus batch (a transaction commits within milliseconds of it).
                rows.Insert(batch, System.Text.Encoding.ASCII.GetBytes(LogTimestamps.ToStoredText(_time.GetUtcNow())), progress);
            }

            SaveProgress(connection, transaction, attempt.Values);
            return attempt;
        }, cancellationToken);

        var acks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (producer, progress) in committed)
        {
            _progress[producer] = progress;
            acks[producer] = progress.Contiguous;
        }

        return acks;
    }

    /// <summary>The in-memory accounting of a producer (null before its first batch since this writer started).</summary>
    public ProducerProgress? ProgressOf(string producer) => _progress.GetValueOrDefault(producer);

    /// <summary>"gateway/3f2a..." belongs to component "gateway".</summary>
    public static string ComponentOf(string producer)
    {
        var slash = producer.IndexOf('/');
        return slash > 0 ? producer[..slash] : producer;
    }

    private static ProducerProgress Load(SqliteConnection connection, SqliteTransaction transaction, string producer)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT contiguous, max_sequence, received, duplicates FROM log_producers WHERE producer = $producer";
        command.Parameters.AddWithValue("$producer", producer);
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return new ProducerProgress(producer);
            }

            var (contiguous, max, received, duplicates) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            var above = new List<long>();
            if (max > contiguous)
            {
                reader.Close();
                command.CommandText = "SELECT sequence FROM logs WHERE producer = $producer AND sequence > $contiguous ORDER BY sequence";
                command.Parameters.AddWithValue("$contiguous", contiguous);
                using var rows = command.ExecuteReader();
                while (rows.Read())
                {
                    above.Add(rows.GetInt64(0));
                }
            }

            return ProducerProgress.Restore(producer, contiguous, max, received, duplicates, above);
        }
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
            command.Parameters.AddWithValue("$now", now);
            command.ExecuteNonQuery();
        }
    }
}
