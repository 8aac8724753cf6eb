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
    private const int SlowestShown = 5;

    public static Command Create() => Build(tests: true);

    public static Command Build(bool tests)
    {
        var name = tests ? "test" : "run";
        var noun = tests ? "tests" : "commands";
        var inputs = new Argument<string[]>("manifests")
        {
            Description = $"Files of {noun}, one per line: a shell command, NAME<TAB>COMMAND, or JSONL {{\"name\",\"cmd\",\"cwd\",\"env\",\"timeout\",\"retries\"}}; with --cmd, the values for {{}}; '-' or none for stdin",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var template = new Option<string?>("--cmd") { Description = "Command template run once per input line: {} is the line (shell-quoted), {#} its number from 1, e.g. --cmd 'dotnet test --filter {}'" };
        var skipExitCode = new Option<int>("--skip-exit-code")
        {
            Description = "Exit code that means skipped",
            DefaultValueFactory = _ => CommandOptions.DefaultSkipExitCode,
        };
        var showOutput = new Option<bool>("--show-output") { Description = "Print the output of passing tests too (failures' output is always printed)" };
        var outputCap = new Option<string>("--output-cap")
        {
            Description = "Bytes kept of each of stdout and stderr per command (the end is kept)",
            DefaultValueFactory = _ => "4M",
        };
        var killGrace = new Option<string>("--kill-grace")
        {
            Description = "Time between SIGTERM and SIGKILL when a command's process group is stopped",
            DefaultValueFactory = _ => "5s",
        };
        var durationsPath = new Option<string>("--durations")
        {
            Description = "Past durations and outcomes: tests are planned in even lanes per worker, longest first, and shards balance by time",
            DefaultValueFactory = _ => Path.Combine(".fanout", "durations.json"),
        };
        var junit = new Option<string?>("--junit") { Description = "Write a JUnit XML report to FILE" };
        var rerunFailed = new Option<bool>("--rerun-failed") { Description = "Run only the tests that failed or timed out last time (from --durations)" };
        var common = new CommonOptions(Environment.ProcessorCount, defaultRetries: 0, defaultTimeout: null);

        var command = tests
            ? new Command("test", """
                Run test commands concurrently, each in its own process group with its output captured and printed as one
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
                Run a command per input line concurrently (like xargs -P or GNU parallel): each in its own process group,
                its output printed as one block when it ends (never interleaved), and a JSONL record per command with exit
                code, duration and output.

                Examples:
                  fanout run --cmd 'convert {} -resize 50% small/{}' images.txt -j 4
                  fanout run jobs.txt --timeout 10m --retries 1 -o runs.jsonl

                Exit codes: 0 all exited 0, 1 some failed, 2 bad usage, 130 interrupted.
                """);
        command.Arguments.Add(inputs);
        var specific = tests
            ? new Option[] { template, skipExitCode, showOutput, outputCap, killGrace, durationsPath, junit, rerunFailed }
            : [template, outputCap, killGrace];
        foreach (var option in specific)
        {
            command.Options.Add(option);
        }

        common.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = common.Validate(parse);
            var sources = parse.GetValue(inputs) ?? [];
            var unreadable = InputReader.FindUnreadable(sources);
            if (unreadable.Count > 0)
            {
                throw new UsageException(string.Join(Environment.NewLine + "fanout: ", unreadable));
            }

            var options = new CommandOptions
            {
                SkipExitCode = tests ? parse.GetValue(skipExitCode) : int.MinValue,
                OutputCapBytes = (int)Math.Clamp(ValueParsers.Size(parse.GetValue(outputCap)!, "--output-cap"), 1, int.MaxValue),
                KillGrace = ValueParsers.Duration(parse.GetValue(killGrace)!, "--kill-grace"),
                Template = parse.GetValue(template),
            };
            var runner = new CommandRunner(options);

            // Tests are split by their durations (the plan below), not by the pool's key hash.
            var shard = settings.Pool.Shard;
            settings = settings with { Pool = settings.Pool with { Shard = null } };

            var items = new List<CommandItem>();
            var invalid = 0;
            await foreach (var line in InputReader.ReadLinesAsync(sources, System.Console.OpenStandardInput, cancellationToken))
            {
                try
                {
                    items.Add(runner.ParseLine(line, items.Count));
                }
                catch (InputFormatException ex)
                {
                    invalid++;
                    System.Console.Error.WriteLine($"{ex.Location}: {ex.Reason}");
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
            var planned = TestPlan.Plan(items, durations, shard, settings.Pool.Concurrency, onlyFailed);
            if (onlyFailed && planned.Count == 0 && items.Count > 0)
            {
                System.Console.Error.WriteLine($"fanout: nothing failed last time (per {durationsFile})");
                return ExitCodes.Success;
            }

            if (tests && planned.Count == 0 && invalid == 0)
            {
                throw new UsageException(items.Count == 0 ? "no tests in the input" : $"shard {shard} has no tests");
            }

            var results = new List<WorkResult<CommandItem, CommandResult>>();
            var wall = TimeSpan.Zero;
            var showPasses = !tests || parse.GetValue(showOutput);
            var job = new JobSpec<CommandItem, CommandResult>
            {
                Name = name,
                Noun = noun,
                Source = _ => planned.ToAsyncEnumerable(),
                Handler = runner,
                WriteRecord = CommandRunner.WriteRecord,
                Observe = results.Add,
                Describe = result => TestReport.Block(result, showPasses),
                Epilogue = stats => tests ? TestReport.Summary(results, stats, invalid) : [],
                Completed = stats => wall = stats.WallTime,
            };
            var exitCode = await JobRunner.RunAsync(job, settings, sources);
            if (invalid > 0 && exitCode == ExitCodes.Success)
            {
                exitCode = ExitCodes.SomeFailed;
            }

            if (durationsFile is not null)
            {
                foreach (var result in results)
                {
                    durations.Record(result);
                }

                await durations.SaveAsync(durationsFile, CancellationToken.None);
            }

            if (tests && parse.GetValue(junit) is { } junitPath)
            {
                await JUnitReport.WriteAsync(junitPath, "fanout", results, wall, CancellationToken.None);
            }

            return exitCode;
        });
        return command;
    }
}
