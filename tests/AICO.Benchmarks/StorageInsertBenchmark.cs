using System.Diagnostics;
using System.Security.Cryptography;
using AICO.Storage;
using Microsoft.Data.Sqlite;

namespace AICO.Benchmarks;

/// <summary>
/// Batched log inserts through AICO.Storage (SQLCipher 4 keyed, WAL, retry pipeline, plain INSERT into the logs table) side by
/// side with the raw baseline: the same SQLite library with no key and a bare connection, same statement, same batches.
/// Usage: storage [rows] [rows per transaction] [rounds]
/// </summary>
internal static class StorageInsertBenchmark
{
    private const string Insert =
        "INSERT INTO logs (timestamp, level, subsystem, module, topic, message, extra, producer, sequence) " +
        "VALUES ('2026-01-01T00:00:00.000Z', 'Information', 'bench', 'storage', 'logs/bench/storage/v1', $message, '{\"k\":1}', 'bench', $sequence)";

    public static Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0]) : 100_000;
        var batch = args.Length > 1 ? int.Parse(args[1]) : 100;
        var rounds = args.Length > 2 ? int.Parse(args[2]) : 3;
        var root = Path.Combine(Path.GetTempPath(), "aico-bench-storage-" + Guid.NewGuid().ToString("N"));
        try
        {
            Console.WriteLine($"storage: {rows:N0} log rows in transactions of {batch}, best of {rounds} rounds, synchronous=FULL (default)");
            // Rounds alternate between the two paths so that load from other processes hits both alike.
            double raw = 0, aico = 0;
            for (var round = 0; round < rounds; round++)
            {
                raw = Math.Max(raw, Raw(Path.Combine(root, $"raw-{round}.db"), rows, batch));
                aico = Math.Max(aico, Aico(Path.Combine(root, $"aico-{round}.db"), rows, batch));
            }

            Console.WriteLine("| path | rows/s | ratio |");
            Console.WriteLine("| --- | ---: | ---: |");
            Console.WriteLine($"| raw: same SQLite library, no key, bare connection | {raw:N0} | 1.00 |");
            Console.WriteLine($"| AICO.Storage: SQLCipher 4 raw key, EncryptedDatabase.Write | {aico:N0} | {aico / raw:F2} |");
            return Task.FromResult(0);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static double Aico(string path, int rows, int batch)
    {
        var database = new EncryptedDatabase(new StorageOptions(path, RandomNumberGenerator.GetBytes(StorageOptions.KeyLength)));
        database.Migrate();
        var watch = Stopwatch.StartNew();
        for (var first = 0; first < rows; first += batch)
        {
            var from = first;
            database.Write((connection, transaction) => InsertBatch(connection, transaction, from, Math.Min(batch, rows - from)));
        }

        return rows / watch.Elapsed.TotalSeconds;
    }

    private static double Raw(string path, int rows, int batch)
    {
        SqlCipherLibrary.EnsureLoaded();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = "PRAGMA journal_mode = WAL; " + MigrationCatalog.Default.Migrations[0].Sql;
            setup.ExecuteNonQuery();
        }

        var watch = Stopwatch.StartNew();
        for (var first = 0; first < rows; first += batch)
        {
            using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
            InsertBatch(connection, transaction, first, Math.Min(batch, rows - first));
            transaction.Commit();
        }

        return rows / watch.Elapsed.TotalSeconds;
    }

    private static int InsertBatch(SqliteConnection connection, SqliteTransaction transaction, int first, int count)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Insert;
        var sequence = command.Parameters.Add("$sequence", SqliteType.Integer);
        var message = command.Parameters.Add("$message", SqliteType.Text);
        for (var i = first; i < first + count; i++)
        {
            sequence.Value = i;
            message.Value = $"benchmark log message number {i} with some typical length of text";
            command.ExecuteNonQuery();
        }

        return count;
    }
}
