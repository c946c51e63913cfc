using Microsoft.Data.Sqlite;

namespace AICO.Storage.Tests;

public class MigrationTests
{
    /// <summary>A row's producer from schema 8 on: by producer_id through log_producers, else the row's own text.</summary>
    private const string ProducerOfRow = "coalesce(producer, (SELECT p.producer FROM log_producers AS p WHERE p.id = logs.producer_id))";

    private static readonly string[] LogColumns =
    [
        "id", "timestamp", "level", "subsystem", "module", "topic", "message", "session_id", "trace_id", "span_id", "exception",
        "extra", "created_at", "producer", "sequence", "producer_id",
    ];

    [Fact]
    public void A_fresh_database_gets_the_logs_schema_with_its_indexes()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();

        var result = database.Migrate();

        var latest = MigrationCatalog.Default.LatestVersion;
        Assert.Equal((0, latest), (result.FromVersion, result.ToVersion));
        Assert.Equal(Enumerable.Range(1, latest), result.Applied);
        database.Execute(c =>
        {
            Assert.Equal(LogColumns, Sql.Column(c, "SELECT name FROM pragma_table_info('logs') ORDER BY cid"));
            var indexes = Sql.Column(c, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'logs' AND name NOT LIKE 'sqlite_%'");
            Assert.Equal(
                ["ix_logs_time", "ix_logs_trace_id"],
                indexes.Order());
            Assert.Equal(MigrationCatalog.Default.Migrations.Select(m => $"{m.Version} {m.Name}"), Sql.Column(c, "SELECT version || ' ' || name FROM schema_migrations ORDER BY version"));
            return true;
        });
    }

    [Fact]
    public void Migrating_again_applies_nothing()
    {
        using var temp = new TempDatabase();
        temp.Open().Migrate();

        var again = temp.Open().Migrate();

        var latest = MigrationCatalog.Default.LatestVersion;
        Assert.Equal(latest, again.FromVersion);
        Assert.Equal(latest, again.ToVersion);
        Assert.Empty(again.Applied);
        Assert.Equal((long)latest, temp.Open().Execute(c => Sql.Long(c, "SELECT count(*) FROM schema_migrations")));
    }

    [Fact]
    public async Task Concurrent_migrations_on_a_fresh_file_apply_each_version_exactly_once()
    {
        using var temp = new TempDatabase();
        using var start = new Barrier(4);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var database = new EncryptedDatabase(temp.Options()); // each its own instance, as separate services would be
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            return database.Migrate();
        })));

        var latest = MigrationCatalog.Default.LatestVersion;
        Assert.Equal(Enumerable.Range(1, latest), results.SelectMany(r => r.Applied).Order());
        Assert.All(results, r => Assert.Equal(latest, r.ToVersion));
        Assert.Equal((long)latest, temp.Open().Execute(c => Sql.Long(c, "SELECT count(*) FROM schema_migrations")));
    }

    [Fact]
    public void A_database_from_a_newer_build_is_refused_with_a_clear_message()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        database.Migrate();
        database.Write((c, tx) => Sql.Scalar(c, "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')", tx));

        var ex = Assert.Throws<StorageException>(() => database.Migrate());

        Assert.Contains($"version 99, newer than this AICO build knows ({MigrationCatalog.Default.LatestVersion})", ex.Message);
    }

    [Fact]
    public void Created_at_is_filled_in_when_a_writer_leaves_it_out()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        database.Migrate();

        database.Write((c, tx) => Sql.InsertLog(c, tx, "p", 1, "m", "{\"k\":1}"));

        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", database.Execute(c => (string)Sql.Scalar(c, "SELECT created_at FROM logs")!));
    }

    [Fact]
    public void Migrating_a_schema_2_database_keeps_its_rows_and_moves_span_id_and_exception_out_of_extra()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        new SchemaMigrator(database, new MigrationCatalog(MigrationCatalog.Default.Migrations.Take(2))).Migrate(CancellationToken.None);
        database.Write((c, tx) =>
        {
            Sql.InsertLog(c, tx, "gateway/a1", 1, "plain");
            Sql.InsertLog(c, tx, "gateway/a1", 2, "with state", "{\"UserId\":\"u1\"}");
            Sql.InsertLog(c, tx, "gateway/a1", 3, "failed", "{\"UserId\":\"u2\",\"span_id\":\"b7ad6b7169203331\",\"exception\":\"System.Exception: boom\"}");
            Sql.InsertLog(c, tx, "gateway/a1", 4, "only a span", "{\"span_id\":\"b7ad6b7169203331\"}");
            return Sql.InsertLog(c, tx, "gateway/a1", 5, "an array", "[1,2]");
        });
        var before = database.Execute(c => Sql.Column(c, "SELECT id || ' ' || message || ' ' || timestamp FROM logs ORDER BY id"));

        var result = database.Migrate();

        Assert.Equal(2, result.FromVersion);
        database.Execute(c =>
        {
            Assert.Equal(before, Sql.Column(c, "SELECT id || ' ' || message || ' ' || timestamp FROM logs ORDER BY id"));
            Assert.Equal(
                ["1 - - -", "2 {\"UserId\":\"u1\"} - -", "3 {\"UserId\":\"u2\"} b7ad6b7169203331 System.Exception: boom",
                 "4 - b7ad6b7169203331 -", "5 {\"unparsed_extra\":\"[1,2]\"} - -"],
                Sql.Column(c, "SELECT sequence || ' ' || coalesce(extra, '-') || ' ' || coalesce(span_id, '-') || ' ' || coalesce(exception, '-') FROM logs ORDER BY id"));
            return true;
        });
    }

    [Fact]
    public void Migrating_a_schema_4_database_turns_the_rows_above_each_gap_into_committed_ranges_and_keeps_every_row()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        new SchemaMigrator(database, new MigrationCatalog(MigrationCatalog.Default.Migrations.Take(4))).Migrate(CancellationToken.None);
        database.Write((c, tx) =>
        {
            // gateway/a1 committed 1-3 (contiguous 3) and 5-6, 9 above a gap; modelservice/b2 has no gap.
            foreach (var sequence in new long[] { 1, 2, 3, 5, 6, 9 })
            {
                Sql.InsertLog(c, tx, "gateway/a1", sequence, $"a1 {sequence}");
            }

            Sql.InsertLog(c, tx, "modelservice/b2", 1, "b2 1");
            Sql.Scalar(c, "INSERT INTO log_producers (producer, component, received, contiguous, max_sequence, gaps, first_seen, last_seen) VALUES " +
                "('gateway/a1', 'gateway', 6, 3, 9, 3, 'x', 'x'), ('modelservice/b2', 'modelservice', 1, 1, 1, 0, 'x', 'x')", tx);
            return true;
        });
        var before = database.Execute(c => Sql.Column(c, "SELECT id || ' ' || producer || ' ' || sequence || ' ' || message FROM logs ORDER BY id"));

        var result = database.Migrate();

        Assert.Equal(4, result.FromVersion);
        database.Execute(c =>
        {
            Assert.Equal(before, Sql.Column(c, $"SELECT id || ' ' || {ProducerOfRow} || ' ' || sequence || ' ' || message FROM logs ORDER BY id"));
            Assert.Equal(["gateway/a1 5-6,9-9", "modelservice/b2 "],
                Sql.Column(c, "SELECT producer || ' ' || committed_above FROM log_producers ORDER BY producer"));
            return true;
        });
    }

    [Fact]
    public void Migrating_a_schema_5_database_keeps_every_row_and_leaves_them_to_the_background_indexer()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        new SchemaMigrator(database, new MigrationCatalog(MigrationCatalog.Default.Migrations.Take(5))).Migrate(CancellationToken.None);
        database.Write((c, tx) =>
        {
            for (var sequence = 1; sequence <= 50; sequence++)
            {
                Sql.InsertLog(c, tx, "gateway/a1", sequence, $"message {sequence}");
            }

            return true;
        });
        var before = database.Execute(c => Sql.Column(c, "SELECT id || ' ' || producer || ' ' || sequence || ' ' || message FROM logs ORDER BY id"));

        var result = database.Migrate();

        Assert.Equal(5, result.FromVersion);
        database.Execute(c =>
        {
            Assert.Equal(before, Sql.Column(c, $"SELECT id || ' ' || {ProducerOfRow} || ' ' || sequence || ' ' || message FROM logs ORDER BY id"));
            Assert.Equal(0L, Sql.Long(c, "SELECT watermark FROM log_search_state"));
            Assert.Equal(0L, Sql.Long(c, "SELECT count(*) FROM logs_search"));
            return true;
        });
        // A deletion below the watermark must also leave the index: the trigger is there and works on the new tables.
        database.Write((c, tx) => Sql.Scalar(c, "UPDATE log_search_state SET watermark = 50; INSERT INTO logs_search (rowid, message) SELECT id, message FROM logs", tx));
        database.Write((c, tx) => Sql.Scalar(c, "DELETE FROM logs WHERE id <= 10", tx));
        Assert.Equal(40L, database.Execute(c => Sql.Long(c, "SELECT count(*) FROM logs_search")));
    }

    [Fact]
    public void Migrating_a_schema_6_database_keeps_every_row_and_producer_and_keys_the_time_index_by_producer_id()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        new SchemaMigrator(database, new MigrationCatalog(MigrationCatalog.Default.Migrations.Take(6))).Migrate(CancellationToken.None);
        database.Write((c, tx) =>
        {
            for (var sequence = 1; sequence <= 3; sequence++)
            {
                Sql.InsertLog(c, tx, "gateway/a1", sequence, $"a1 {sequence}");
                Sql.InsertLog(c, tx, "modelservice/b2", sequence, $"b2 {sequence}");
            }

            // A producer without an accounting row (written before log_producers existed).
            Sql.InsertLog(c, tx, "cli/old", 1, "old 1");
            Sql.Scalar(c, "INSERT INTO log_producers (producer, component, received, contiguous, max_sequence, gaps, committed_above, first_seen, last_seen) VALUES " +
                "('modelservice/b2', 'modelservice', 3, 3, 3, 0, '', 'b', 'b'), ('gateway/a1', 'gateway', 3, 1, 3, 1, '3-3', 'a', 'a')", tx);
            return true;
        });
        const string Rows = "SELECT id || ' ' || timestamp || ' ' || level || ' ' || producer || ' ' || sequence || ' ' || message || ' ' || topic || ' ' || created_at FROM logs ORDER BY id";
        const string Producers = "SELECT rowid || ' ' || producer || ' ' || component || ' ' || received || ' ' || contiguous || ' ' || max_sequence || ' ' || gaps || ' ' || " +
            "committed_above || ' ' || first_seen || ' ' || last_seen FROM log_producers ORDER BY rowid";
        var (rows, producers) = database.Execute(c => (Sql.Column(c, Rows), Sql.Column(c, Producers)));

        var result = new SchemaMigrator(database, new MigrationCatalog(MigrationCatalog.Default.Migrations.Take(7))).Migrate(CancellationToken.None);

        Assert.Equal((6, 7), (result.FromVersion, result.ToVersion));
        database.Execute(c =>
        {
            Assert.Equal(rows, Sql.Column(c, Rows));
            Assert.Equal(producers, Sql.Column(c, Producers));
            Assert.Equal(Sql.Column(c, "SELECT rowid FROM log_producers ORDER BY rowid"), Sql.Column(c, "SELECT id FROM log_producers ORDER BY id"));
            Assert.Equal(["cli/old -", "gateway/a1 2", "modelservice/b2 1"],
                Sql.Column(c, "SELECT producer || ' ' || coalesce(producer_id, '-') FROM logs GROUP BY producer ORDER BY producer"));
            Assert.Equal(["timestamp", "id", "level", "producer_id"], Sql.Column(c, "SELECT name FROM pragma_index_info('ix_logs_time') ORDER BY seqno"));
            return true;
        });
    }

    [Fact]
    public void Migrating_a_schema_7_database_keeps_every_row_and_its_grep_index_and_names_producers_by_id_alone()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        new SchemaMigrator(database, new MigrationCatalog(MigrationCatalog.Default.Migrations.Take(7))).Migrate(CancellationToken.None);
        database.Write((c, tx) =>
        {
            Sql.Scalar(c, "INSERT INTO log_producers (producer, component, received, contiguous, max_sequence, first_seen, last_seen) VALUES " +
                "('gateway/a1', 'gateway', 3, 3, 3, 'a', 'a'), ('modelservice/b2', 'modelservice', 3, 3, 3, 'b', 'b')", tx);
            for (var sequence = 1; sequence <= 3; sequence++)
            {
                Sql.InsertLog(c, tx, "gateway/a1", sequence, $"a1 {sequence}");
                Sql.InsertLog(c, tx, "modelservice/b2", sequence, $"b2 {sequence}");
            }

            // A producer without an accounting row (written before log_producers existed) keeps its text.
            Sql.InsertLog(c, tx, "cli/old", 1, "old 1");
            // As the schema 7 writer stored them: the text and the id; then indexed for grep.
            Sql.Scalar(c, "UPDATE logs SET producer_id = (SELECT id FROM log_producers WHERE log_producers.producer = logs.producer); " +
                "UPDATE log_search_state SET watermark = 7; INSERT INTO logs_search (rowid, message) SELECT id, message FROM logs", tx);
            return true;
        });
        const string Rows = "SELECT id || ' ' || timestamp || ' ' || level || ' ' || {0} || ' ' || coalesce(producer_id, '-') || ' ' || sequence || ' ' || message || ' ' || topic || ' ' || created_at FROM logs ORDER BY id";
        var rows = database.Execute(c => Sql.Column(c, string.Format(System.Globalization.CultureInfo.InvariantCulture, Rows, "producer")));

        var result = database.Migrate();

        Assert.Equal(7, result.FromVersion);
        database.Execute(c =>
        {
            Assert.Equal(rows, Sql.Column(c, string.Format(System.Globalization.CultureInfo.InvariantCulture, Rows, ProducerOfRow)));
            Assert.Equal(["cli/old"], Sql.Column(c, "SELECT producer FROM logs WHERE producer IS NOT NULL"));
            Assert.Equal(["timestamp", "id", "level", "producer_id"], Sql.Column(c, "SELECT name FROM pragma_index_info('ix_logs_time') ORDER BY seqno"));
            Assert.Equal(["trace_id"], Sql.Column(c, "SELECT name FROM pragma_index_info('ix_logs_trace_id')"));
            Assert.Equal(3L, Sql.Long(c, "SELECT count(*) FROM logs_search WHERE logs_search MATCH '\"b2 \"'"));
            return true;
        });

        // One meaning per row: a producer by id or by text, never both, never neither.
        foreach (var (producer, id) in new[] { ("'gateway/a1'", "1"), ("NULL", "NULL") })
        {
            var refused = Assert.Throws<SqliteException>(() => database.Write((c, tx) => Sql.Scalar(c,
                $"INSERT INTO logs (timestamp, level, subsystem, module, topic, message, producer, sequence, producer_id) VALUES ('t', 'INFO', 's', 'm', 'x', 'm', {producer}, 9, {id})", tx)));
            Assert.Contains("CHECK constraint failed", refused.Message, StringComparison.Ordinal);
        }

        // The grep index's delete trigger is on the new table: a deleted row leaves the index.
        database.Write((c, tx) => Sql.Scalar(c, "DELETE FROM logs WHERE message = 'b2 2'", tx));
        Assert.Equal(2L, database.Execute(c => Sql.Long(c, "SELECT count(*) FROM logs_search WHERE logs_search MATCH '\"b2 \"'")));
    }

    [Fact]
    public void The_shipped_catalog_is_numbered_without_gaps_and_starts_with_the_logs_table()
    {
        var catalog = MigrationCatalog.Default;

        Assert.Equal(Enumerable.Range(1, catalog.Migrations.Count), catalog.Migrations.Select(m => m.Version));
        Assert.Equal("logs", catalog.Migrations[0].Name);
        Assert.Contains("CREATE TABLE logs", catalog.Migrations[0].Sql);
    }

    [Theory]
    [InlineData("0002_log_retention.sql", 2, "log_retention")]
    [InlineData("0010_x.sql", 10, "x")]
    public void Migration_file_names_give_version_and_name(string file, int version, string name)
    {
        var migration = MigrationCatalog.Parse(file, "SELECT 1;");

        Assert.Equal((version, name), (migration.Version, migration.Name));
    }

    [Theory]
    [InlineData("2_short.sql")]
    [InlineData("0002-dash.sql")]
    [InlineData("0002_Upper.sql")]
    [InlineData("0002_name.txt")]
    public void Badly_named_migration_files_are_refused(string file) =>
        Assert.Throws<StorageException>(() => MigrationCatalog.Parse(file, "SELECT 1;"));

    [Fact]
    public void Gaps_and_duplicates_in_the_catalog_are_refused()
    {
        Assert.Throws<StorageException>(() => new MigrationCatalog([new(1, "a", "x"), new(3, "c", "x")]));
        Assert.Throws<StorageException>(() => new MigrationCatalog([new(1, "a", "x"), new(1, "b", "x")]));
        Assert.Throws<StorageException>(() => new MigrationCatalog([new(2, "b", "x")]));
    }

    [Fact]
    public void A_failing_migration_names_itself_and_leaves_the_schema_unchanged()
    {
        using var temp = new TempDatabase();
        var database = temp.Open();
        var broken = new MigrationCatalog([new(1, "ok", "CREATE TABLE a (x INTEGER)"), new(2, "broken", "CREATE TABLE b (")]);

        var ex = Assert.Throws<StorageException>(() => new SchemaMigrator(database, broken).Migrate(default));

        Assert.StartsWith("Schema migration 0002_broken failed", ex.Message);
        Assert.Equal(0L, database.Execute(c => Sql.Long(c, "SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'schema_migrations')")));
    }
}
