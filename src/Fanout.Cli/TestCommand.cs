using System.CommandLine;
using Fanout.Cli.Console;
using Fanout.Engine;
using Fanout.Processes;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary>
/// <c>fanout test</c>: test commands run concurrently with test semantics (pass, fail, skip, flaky,
/// timeouts, JUnit, durations). <c>fanout run</c> (see <see cref="RunCommand"/>) is the same machinery
/// for any command.
/// </summary>
internal static class TestCommand
{
    public static Command Create() => Build(tests: true);

    public static Command Build(bool tests)
    {
        var name = tests ? "test" : "run";
        var noun = tests ? "tests" : "commands";
        var inputs = new Argument<string[]>("FILE")
        {
            Description = $"Files of {noun}, one per line: a shell command, NAME<TAB>COMMAND, or JSONL {{\"name\",\"cmd\",\"cwd\",\"env\",\"timeout\",\"retries\"}}; with --cmd, the values for {{}}; '-' or none for stdin",
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "FILE",
        };
        var template = new Option<string?>("--cmd") { Description = "Command template run once per input line: {} is the line, quoted for where it stands (bare or inside your own quotes: 'echo \"{}\"' is safe), {#} its number from 1, e.g. --cmd 'dotnet test --filter {}'", HelpName = "TEMPLATE" };
        var skipExitCode = new Option<int>("--skip-exit-code")
        {
            Description = "Exit code that means skipped",
            DefaultValueFactory = _ => CommandOptions.DefaultSkipExitCode,
            HelpName = "CODE",
        };
        var showOutput = new Option<bool>("--show-output") { Description = "Print the output of passing tests too (failures' output is always printed)" };
        var outputCap = new Option<string>("--output-cap")
        {
            Description = tests ? "Bytes kept of each of stdout and stderr per test (the end is kept)" : "Bytes kept of each of stdout and stderr per command (the end is kept; beyond it the output is cut, and said so)",
            DefaultValueFactory = _ => tests ? "4M" : "64M",
            HelpName = "SIZE",
        };
        var killGrace = new Option<string>("--kill-grace")
        {
            Description = "Time between SIGTERM and SIGKILL when a command's process group is stopped",
            DefaultValueFactory = _ => "5s",
            HelpName = "DURATION",
        };
        var durationsPath = new Option<string>("--durations")
        {
            Description = "Past durations and outcomes: tests are planned in even lanes per worker, longest first, and shards balance by time",
            DefaultValueFactory = _ => Path.Combine(".fanout", "durations.json"),
            HelpName = "FILE",
        };
        var junit = new Option<string?>("--junit") { Description = "Write a JUnit XML report to FILE", HelpName = "FILE" };
        var rerunFailed = new Option<bool>("--rerun-failed") { Description = "Run only the tests that failed or timed out last time (from --durations)" };
        var tag = new Option<bool>("--tag") { Description = "Prefix each line of a command's output with its name and a tab, as parallel --tag does" };
        var common = new CommonOptions(new JobWords
        {
            Noun = noun,
            Concurrency = Environment.ProcessorCount,
            RetriesHelp = tests
                ? "Reruns of a test that failed or timed out, at once; a test that passes on a rerun is flaky"
                : "Reruns of a command that failed or timed out, at once",
            TimeoutHelp = tests ? "Time limit of one run of a test (its whole process group is stopped)" : "Time limit of one run of a command (its whole process group is stopped)",
            ShardHelp = tests ? "Run only shard I of N (1 <= I <= N): with past durations the shards get even totals, else a stable hash of each test's name" : null,
            Progress = tests ? "auto" : "none",
            // -j auto for commands: their limit is this machine (a free core lets the slow start go on at once).
            LocalWork = true,
        });
        if (!tests)
        {
            // parallel's -k: the commands' output (and records) in input order.
            common.Ordered.Aliases.Add("--keep-order");
            common.Ordered.Aliases.Add("-k");
        }

        var command = tests
            ? new Command("test", """
                Run test commands concurrently, with timeouts, reruns, durations and JUnit.

                Each test runs in its own process group with its output captured and printed as one
                block when it ends (failures always). Timeouts stop the whole process tree. Past durations make the longest
                tests start first and balance --shard. Reports: JSONL per test, --junit FILE, and a summary ending in
                'N passed, N failed, N skipped'.

                Examples:
                  fanout test tests.txt -j 8 --junit junit.xml
                  ls tests/*.sh | fanout test --timeout 2m --retries 2
                  fanout test --cmd 'dotnet test --no-build --filter {}' classes.txt --shard 2/4
                  fanout test tests.txt --rerun-failed

                Exit codes: 0 nothing failed, 1 some tests failed or timed out, 2 bad usage or no tests, 130 interrupted.
                """)
            : new Command("run", """
                Run a command per input line concurrently, as xargs -P and GNU parallel do.

                Each command runs in its own process group,
                its stdout to stdout and its stderr to stderr, each whole when it ends (never interleaved with another's);
                --tag prefixes the lines with the command's name, -k keeps input order. A JSONL record per command (exit
                code, duration, output) goes to --output FILE.

                Examples:
                  fanout run --cmd 'convert {} -resize 50% small/{}' images.txt -j 4
                  fanout run jobs.txt --timeout 10m --retries 1 -o runs.jsonl
                  find . -name '*.log' | fanout run --cmd 'gzip -9 {}' --tag

                Exit codes: 0 all exited 0, 1 some failed, 2 bad usage, 130 interrupted.
                """);
        command.Arguments.Add(inputs);
        var specific = tests
            ? new Option[] { template, skipExitCode, showOutput, outputCap, killGrace, durationsPath, junit, rerunFailed }
            : [template, outputCap, killGrace, tag];
        foreach (var option in specific)
        {
            command.Options.Add(option);
        }

        common.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = common.Validate(parse);
            var junitPath = tests ? ValueParsers.OutputFile(parse.GetValue(junit), "--junit") : null;
            var sources = parse.GetValue(inputs) ?? [];
            var unreadable = InputReader.FindUnreadable(sources);
            if (unreadable.Count > 0)
            {
                throw new UsageException(unreadable);
            }

            if ((sources.Length == 0 || sources.Contains(InputReader.StandardInputName)) && !System.Console.IsInputRedirected)
            {
                System.Console.Error.WriteLine($"fanout: reading {noun} from stdin; Ctrl+D to end");
            }

            var options = new CommandOptions
            {
                SkipExitCode = tests ? parse.GetValue(skipExitCode) : int.MinValue,
                OutputCapBytes = (int)Math.Clamp(ValueParsers.Size(parse.GetValue(outputCap)!, "--output-cap"), 1, int.MaxValue),
                KillGrace = ValueParsers.Duration(parse.GetValue(killGrace)!, "--kill-grace"),
                Template = parse.GetValue(template),
                Contain = tests,
            };
            CommandRunner runner;
            try
            {
                runner = new CommandRunner(options);
            }
            catch (FormatException ex)
            {
                throw new UsageException($"--cmd: {ex.Message}");
            }

            // Tests are split by their durations (the plan below), not by the pool's key hash.
            var shard = settings.Pool.Shard;
            settings = settings with { Pool = settings.Pool with { Shard = null } };

            var items = new List<CommandItem>();
            var invalid = 0;
            // With --queue the lines come from the queue, as the pool takes them.
            var lines = settings.Queue is null ? InputReader.ReadLinesAsync(sources, System.Console.OpenStandardInput, cancellationToken) : AsyncEnumerable.Empty<InputLine>();
            await foreach (var line in lines)
            {
                try
                {
                    items.Add(runner.ParseLine(line, items.Count));
                }
                catch (InputFormatException ex)
                {
                    invalid++;
                    System.Console.Error.WriteLine(Terminal.Escape($"{ex.Location}: {ex.Reason}"));
                }
            }

            var durationsFile = tests ? parse.GetValue(durationsPath)! : null;
            DurationStore durations;
            try
            {
                durations = durationsFile is null ? DurationStore.Empty() : DurationStore.Load(durationsFile);
            }
            catch (InvalidDataException ex)
            {
                throw new UsageException($"--durations: {ex.Message}");
            }

            var onlyFailed = tests && parse.GetValue(rerunFailed);
            var planned = TestPlan.Plan(items, durations, shard, settings.Pool.Auto is null ? settings.Pool.Concurrency : 1, onlyFailed);
            if (onlyFailed && planned.Count == 0 && items.Count > 0)
            {
                System.Console.Error.WriteLine($"fanout: nothing failed last time (per {durationsFile})");
                return ExitCodes.Success;
            }

            if (planned.Count == 0 && items.Count > 0 && invalid == 0)
            {
                throw new UsageException($"shard {shard} has no {noun}");
            }

            var results = new List<WorkResult<CommandItem, CommandResult>>();
            var wall = TimeSpan.Zero;
            var showPasses = parse.GetValue(showOutput);
            var tagged = !tests && parse.GetValue(tag);
            var job = new JobSpec<CommandItem, CommandResult>
            {
                Name = name,
                Noun = noun,
                Expected = noun,
                Source = _ => planned.ToAsyncEnumerable(),
                Parse = line => runner.ParseLine(line, line.LineNumber - 1),
                Total = planned.Count,
                InvalidInputs = invalid,
                Handler = runner,
                JournalStatus = r => r.Value?.ExitCode,
                WriteRecord = CommandRunner.WriteRecord,
                RecordsOnStdout = tests,
                Observe = results.Add,
                Describe = tests ? result => TestReport.Block(result, showPasses) : null,
                Passthrough = tests ? null : result => TestReport.Pass(result, tagged),
                Headline = tests ? (stats, interrupted) => TestReport.Headline(results, stats, SummaryPrinter.ConcurrencyLabel(settings.Pool), interrupted) : null,
                Epilogue = tests ? (stats, _) => TestReport.Counts(results, stats) : null,
                Sections = tests ? stats => [TestReport.Section(results, stats)] : null,
                Completed = stats => wall = stats.WallTime,
            };
            var exitCode = await JobRunner.RunAsync(job, settings, sources);

            if (durationsFile is not null)
            {
                foreach (var result in results)
                {
                    durations.Record(result);
                }

                await durations.SaveAsync(durationsFile, CancellationToken.None);
            }

            if (junitPath is not null)
            {
                await JUnitReport.WriteAsync(junitPath, "fanout", results, wall, CancellationToken.None);
            }

            return exitCode;
        });
        return command;
    }
}
