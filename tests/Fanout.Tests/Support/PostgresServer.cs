using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Fanout.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server for the tests: initdb in a temp dir, loopback only, a random port,
/// trust authentication, stopped and deleted afterwards. PostgreSQL refuses to run as root, so as
/// root it runs as the postgres user (runuser) in a directory that user owns.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string _directory = string.Empty;
    private string _bin = string.Empty;

    public int Port { get; private set; }

    public string Url(string database = "postgres") => $"postgres://postgres@127.0.0.1:{Port}/{database}";

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    /// <summary>The first value of a query's first row (null when none).</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public async Task InitializeAsync()
    {
        _bin = Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql); scripts/test.sh installs it");
        _directory = Path.Combine(Path.GetTempPath(), "fanout-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        if (ProcessRunner.IsRoot)
        {
            ProcessRunner.Run("chown", "postgres:postgres", _directory);
        }

        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var data = Path.Combine(_directory, "data");
        await RunAsync("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        await RunAsync("pg_ctl", "-D", data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start");
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunAsync("pg_ctl", "-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // The OS temp cleaner gets what a dying server still held.
            }
        }
    }

    private async Task RunAsync(string tool, params string[] args)
    {
        var start = ProcessRunner.IsRoot
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", Path.Combine(_bin, tool) } }
            : new ProcessStartInfo(Path.Combine(_bin, tool));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = "/tmp";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(limit.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {await output} {await error}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
