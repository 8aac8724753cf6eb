using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fanout.Cli.Console;
using Fanout.Database;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary><c>fanout insert</c>: load JSONL or CSV records into a database table.</summary>
internal static class InsertCommand
{
    /// <summary>
    /// PostgreSQL writers by default: one per core, at most 4, but half the cores when the server is on this machine
    /// (it needs the other half). With the server on the same two cores, 1M rows took 1.67-1.75 s with one writer
    /// and 2.05-2.12 s with two (writers contend for the key index's right edge and for the cores).
    /// </summary>
    private static int DefaultWriters(string connectionString) =>
        PostgresSink.IsLocal(connectionString) ? Math.Max(1, Environment.ProcessorCount / 2) : Math.Min(4, Environment.ProcessorCount);

    /// <summary>
    /// PostgreSQL rows per transaction by default. Each transaction streams through one COPY, and a COPY costs the
    /// server ~3 ms to start and a commit waits for it to catch up: 1M rows took 1.99-2.07 s in transactions of 100k
    /// and 1.63-1.74 s in one. JSONL kept for a retry costs about its own size (written batches are compacted to
    /// their raw lines); CSV records stay parsed (~260 bytes a row), so CSV takes smaller transactions.
    /// </summary>
    private const int PostgresJsonBatch = 1_000_000;
    private const int PostgresCsvBatch = 100_000;

    // About 450 records of 70 bytes: a block's arrays stay under the large object heap's 85,000 bytes.
    private const int ParseChunkBytes = 32 * 1024;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var inputs = new Argument<string[]>("files") { Description = "JSONL (default) or CSV files of records; '-' or none for stdin", Arity = ArgumentArity.ZeroOrMore };
        var db = new Option<string>("--db") { Description = "The database: a SQLite file path (created if missing), or postgres://user@host:port/database (password from PGPASSWORD or .pgpass, never printed)", Required = true };
        var table = new Option<string>("--table") { Description = "The table; created from the records' fields and types when missing", Required = true };
        var csv = new Option<bool>("--csv") { Description = "Read CSV with a header row (also chosen by a .csv extension)" };
        var pk = new Option<string?>("--pk") { Description = "Primary key column(s), comma-separated, for a new table and for --upsert/--ignore" };
        var upsert = new Option<bool>("--upsert") { Description = "Update rows whose key exists (reruns leave each row once)" };
        var ignore = new Option<bool>("--ignore") { Description = "Skip rows whose key exists (reruns leave each row once)" };
        var alter = new Option<bool>("--alter") { Description = "Add columns for fields that first appear in later records (otherwise those records are rejected)" };
        var batch = new Option<int?>("--batch") { Description = "Rows per transaction (a failed one is written again in smaller ones to find the bad rows). SQLite: 10,000 by default. PostgreSQL streams each transaction through one COPY: 1,000,000 by default for JSONL, 100,000 for CSV" };
        var rejects = new Option<string?>("--rejects") { Description = "Write rejected records to FILE as JSONL: location (file:line), reason, record" };
        var maxErrors = new Option<int?>("--max-errors") { Description = "Stop the load after N rejected records" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress and no summary on stderr" };
        var concurrency = new Option<int?>("--concurrency", "-j") { Description = "PostgreSQL: parallel connections, each streaming COPY (SQLite has one writer). Parsing uses every core either way. By default one per core, at most 4; half the cores when the server is on this machine" };

        var command = new Command("insert", """
            Load records into a database table, fast and safely: one writer, batched transactions, prepared statements,
            and parsing on the other cores while the writer writes. A bad record (invalid JSON, wrong type, constraint
            violation) is rejected with its file:line and reason; it never fails the load or takes good rows with it.

            Examples:
              fanout insert events.jsonl --db app.db --table events --pk id --upsert
              fanout insert people.csv --db app.db --table people --rejects rejects.jsonl
              fanout read 'logs/**/*.log' --content | fanout insert --db logs.db --table files --pk path --upsert

            Exit codes: 0 every record stored, 1 some rejected, 2 bad usage, 130 interrupted.
            """);
        command.Arguments.Add(inputs);
        foreach (var option in new Option[] { db, table, csv, pk, upsert, ignore, alter, batch, rejects, maxErrors, concurrency, quiet })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var database = parse.GetValue(db)!;
            Func<CancellationToken, Task<IInsertSink>> openSink;
            var writers = 1;
            var postgres = false;
            if (database.StartsWith("postgres://", StringComparison.Ordinal) || database.StartsWith("postgresql://", StringComparison.Ordinal))
            {
                string connectionString;
                try
                {
                    connectionString = PostgresSink.ConnectionString(database);
                }
                catch (FormatException ex)
                {
                    throw new UsageException($"--db: {ex.Message}");
                }

                openSink = async token => await PostgresSink.OpenAsync(connectionString, token);
                postgres = true;
                // New columns are added by one writer, so that two connections never race to ALTER the table.
                writers = parse.GetValue(alter) ? 1 : parse.GetValue(concurrency) ?? DefaultWriters(connectionString);
            }
            else
            {
                openSink = async token => await SqliteSink.OpenAsync(database, token);
            }

            if (parse.GetValue(upsert) && parse.GetValue(ignore))
            {
                throw new UsageException("--upsert and --ignore cannot be used together");
            }

            var key = (parse.GetValue(pk) ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parse.GetValue(upsert) && key.Length == 0)
            {
                throw new UsageException("--upsert needs --pk");
            }

            if (parse.GetValue(batch) < 1 || parse.GetValue(concurrency) < 1)
            {
                throw new UsageException("--batch and --concurrency must be at least 1");
            }

            var sources = parse.GetValue(inputs) ?? [];
            var isCsv = parse.GetValue(csv) || (sources.Length > 0 && sources.All(s => s.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)));
            var batchSize = parse.GetValue(batch) ?? (!postgres ? InsertOptions.DefaultBatchSize : isCsv ? PostgresCsvBatch : PostgresJsonBatch);
            var unreadable = InputReader.FindUnreadable(sources);
            if (unreadable.Count > 0)
            {
                throw new UsageException(string.Join(Environment.NewLine + "fanout: ", unreadable));
            }

            var options = new InsertOptions
            {
                Table = parse.GetValue(table)!,
                PrimaryKey = key,
                Mode = parse.GetValue(upsert) ? InsertMode.Upsert : parse.GetValue(ignore) ? InsertMode.Ignore : InsertMode.Insert,
                Alter = parse.GetValue(alter),
                BatchSize = batchSize,
                MaxErrors = parse.GetValue(maxErrors),
            };
            return await LoadAsync(openSink, writers, Redacted(database), options, sources, isCsv, parse.GetValue(rejects), parse.GetValue(quiet));
        });
        return command;
    }

    private static async Task<int> LoadAsync(Func<CancellationToken, Task<IInsertSink>> openSink, int writers, string database, InsertOptions options, IReadOnlyList<string> sources, bool isCsv, string? rejectsPath, bool quiet)
    {
        var stats = new WorkStats();
        var rejectsFile = rejectsPath is null ? null : AtomicFile.Create(rejectsPath);
        await using (rejectsFile)
        {
            var rejectsWriter = rejectsFile is null ? null : RecordWriter.Create(OutputFormat.Jsonl, rejectsFile.Stream, leaveOpen: true);
            var rejectsGate = new Lock();
            var parseRejected = 0L;
            var progress = ProgressDisplay.Create(quiet ? "none" : "plain", "insert", "rows", stats);
            using var interruption = new Interruption(progress.Message);
            var load = new InsertLoad(openSink, options, writers, interruption.AbortToken, Reject);
            using var timer = quiet ? null : new Timer(_ => progress.Message(Status(load.Totals(parseRejected), stats)), null, ProgressInterval, ProgressInterval);
            void Reject(RejectedRow row)
            {
                lock (rejectsGate)
                {
                    rejectsWriter?.WriteAsync(row, static (r, f) =>
                    {
                        f.WriteString("location", r.Location);
                        f.WriteString("reason", r.Reason);
                        f.WriteString("record", r.Text);
                    }).AsTask().GetAwaiter().GetResult();
                }
            }

            var batch = load.NewBatch();
            var stoppedForErrors = false;
            // Connecting overlaps parsing the first batch; its errors surface at the first write.
            _ = load.Start();
            try
            {
                await foreach (var block in ParseAsync(sources, isCsv, interruption.StopToken))
                {
                    for (var i = 0; i < block.Count && !stoppedForErrors; i++)
                    {
                        var row = block[i];
                        if (row.Error is { } reason)
                        {
                            Interlocked.Increment(ref parseRejected);
                            Reject(new RejectedRow(row.Location, row.Text, reason));
                        }
                        else
                        {
                            batch.Add(row);
                        }

                        if (batch.Count >= load.BatchRows)
                        {
                            await load.WriteAsync(batch);
                            batch = load.NewBatch();
                        }

                        stoppedForErrors = options.MaxErrors is { } max && load.Totals(parseRejected).Rejected > max;
                    }

                    // The batches that took rows of the block hold it; parse errors were rejected above.
                    block.Release();

                    if (stoppedForErrors)
                    {
                        break;
                    }
                }

                if (!stoppedForErrors)
                {
                    await load.WriteAsync(batch);
                }

                await load.CompleteAsync();
            }
            catch (InvalidOperationException ex)
            {
                throw new UsageException(ex.Message);
            }
            catch (FormatException ex)
            {
                throw new UsageException(ex.Message);
            }
            catch (System.Data.Common.DbException ex) when (load.Totals(parseRejected).Total == 0)
            {
                // Nothing could be written at all: the database itself is the problem (unreachable, no permission).
                throw new UsageException($"--db {database}: {Engine.WorkError.Flatten(ex.Message)}");
            }

            stats.Complete();
            if (rejectsWriter is not null)
            {
                await rejectsWriter.DisposeAsync();
                await rejectsFile!.CommitAsync();
            }

            var totals = load.Totals(parseRejected);
            if (!quiet)
            {
                var c = CultureInfo.InvariantCulture;
                System.Console.Error.WriteLine();
                System.Console.Error.WriteLine(string.Create(c, $"Summary{(interruption.Interrupted ? " (interrupted)" : string.Empty)}: {totals.Total} rows in {SummaryPrinter.Format(stats.WallTime)}, {totals.Total / Math.Max(1e-9, stats.WallTime.TotalSeconds):0} rows/s into {options.Table} ({database})"));
                System.Console.Error.WriteLine(string.Create(c, $"  inserted {totals.Inserted}, updated {totals.Updated}, ignored {totals.Ignored}, rejected {totals.Rejected}{(rejectsPath is not null && totals.Rejected > 0 ? $" (see {rejectsPath})" : string.Empty)}"));
                if (stoppedForErrors)
                {
                    System.Console.Error.WriteLine($"  stopped: more than {options.MaxErrors} rejected records (--max-errors)");
                }
            }

            return interruption.Interrupted ? ExitCodes.Interrupted : totals.Rejected > 0 ? ExitCodes.SomeFailed : ExitCodes.Success;
        }
    }

    /// <summary>The database URL without a password, for messages.</summary>
    private static string Redacted(string database) =>
        Uri.TryCreate(database, UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal)
            ? database.Replace(uri.UserInfo, uri.UserInfo.Split(':')[0] + ":***", StringComparison.Ordinal)
            : database;

    private static string Status(InsertLoad.Counts totals, WorkStats stats) =>
        string.Create(CultureInfo.InvariantCulture, $"insert: {totals.Total} rows, {totals.Total / Math.Max(1e-9, stats.WallTime.TotalSeconds):0}/s, rejected {totals.Rejected}, {stats.WallTime.TotalSeconds:0.0} s");

    /// <summary>
    /// Blocks of records in input order. JSONL is read as chunks of raw lines and parsed on every core
    /// through the engine while the writer writes; CSV (whose records may span lines) is read in one pass.
    /// </summary>
    private static async IAsyncEnumerable<RecordBlock> ParseAsync(IReadOnlyList<string> sources, bool isCsv, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (isCsv)
        {
            foreach (var source in sources.Count == 0 ? [InputReader.StandardInputName] : sources)
            {
                using var reader = source == InputReader.StandardInputName ? new StreamReader(System.Console.OpenStandardInput()) : new StreamReader(source);
                await foreach (var block in RecordParser.ParseCsvAsync(source, reader, cancellationToken: cancellationToken))
                {
                    yield return block;
                }
            }

            yield break;
        }

        var chunks = InputReader.ReadChunksAsync(sources, System.Console.OpenStandardInput, ParseChunkBytes, cancellationToken);
        var parsers = Environment.ProcessorCount;
        var pool = new WorkPoolOptions { Concurrency = parsers, PreserveOrder = true, OrderWindow = parsers * 4 };
        await foreach (var result in WorkPool.RunAsync(chunks, (TextChunk chunk, CancellationToken _) => ValueTask.FromResult(RecordParser.ParseJson(chunk)), chunk => $"{chunk.Source}:{chunk.FirstLine}", pool, cancellationToken))
        {
            if (result.Value is { } block)
            {
                yield return block;
            }
            else if (result.Error is { Kind: not WorkError.CancelledKind } error)
            {
                // Parsing never throws for bad input (a bad line is a record with an error), so this is a fault: stop loudly, never drop rows.
                throw new InvalidOperationException($"{result.Key}: parsing failed: {error.Message}");
            }
        }
    }
}
