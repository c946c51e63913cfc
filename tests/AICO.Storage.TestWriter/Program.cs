using AICO.Storage;

// Usage (the key comes from AICO_TEST_DB_KEY as 64 hex characters, never on the command line):
//   write <database> <producer> <rows> <rows per transaction>   migrates, then inserts rows 1..N of <producer>
//   read  <database> <expected rows> <timeout seconds>          migrates, then reads until it sees every row
// Prints one summary line; any error goes to stderr with exit code 1.
try
{
    var key = Convert.FromHexString(Environment.GetEnvironmentVariable("AICO_TEST_DB_KEY") ?? "");
    var database = new EncryptedDatabase(new StorageOptions(args[1], key));
    database.Migrate();
    return args[0] switch
    {
        "write" => Write(database, args[2], int.Parse(args[3]), int.Parse(args[4])),
        "read" => Read(database, long.Parse(args[2]), TimeSpan.FromSeconds(int.Parse(args[3]))),
        _ => throw new ArgumentException($"unknown mode '{args[0]}'"),
    };
}
catch (Exception ex)
{
    Console.Error.WriteLine($"{ex.GetType().Name}: {ex.Message}");
    return 1;
}

static int Write(EncryptedDatabase database, string producer, int rows, int batch)
{
    for (var first = 1; first <= rows; first += batch)
    {
        var last = Math.Min(rows, first + batch - 1);
        database.Write((connection, transaction) =>
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText =
                "INSERT INTO logs (timestamp, level, subsystem, module, topic, message, extra, producer, sequence) " +
                "VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'Information', 'test', 'writer', $topic, $message, $extra, $producer, $sequence)";
            var sequence = insert.Parameters.Add("$sequence", Microsoft.Data.Sqlite.SqliteType.Integer);
            var message = insert.Parameters.Add("$message", Microsoft.Data.Sqlite.SqliteType.Text);
            insert.Parameters.AddWithValue("$topic", $"logs/test/{producer}/v1");
            insert.Parameters.AddWithValue("$extra", "{\"writer\":\"" + producer + "\"}");
            insert.Parameters.AddWithValue("$producer", producer);
            for (var n = first; n <= last; n++)
            {
                sequence.Value = n;
                message.Value = $"row {n} of {producer}";
                insert.ExecuteNonQuery();
            }

            return true;
        });
    }

    Console.WriteLine($"written={rows} retries={database.RetryCount}");
    return 0;
}

static int Read(EncryptedDatabase database, long expected, TimeSpan timeout)
{
    var deadline = DateTime.UtcNow + timeout;
    long reads = 0, seen = 0;
    while (DateTime.UtcNow < deadline)
    {
        seen = database.Execute(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM logs";
            var count = (long)command.ExecuteScalar()!;
            command.CommandText = "SELECT message FROM logs ORDER BY id DESC LIMIT 20";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                _ = reader.GetString(0);
            }

            return count;
        });
        reads++;
        if (seen >= expected)
        {
            break;
        }
    }

    Console.WriteLine($"reads={reads} seen={seen} retries={database.RetryCount}");
    return seen == expected ? 0 : 1;
}
