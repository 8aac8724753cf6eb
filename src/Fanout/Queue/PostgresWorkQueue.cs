using Fanout.Database.Postgres;
using Npgsql;

namespace Fanout.Queue;

/// <summary>
/// A queue of input lines in PostgreSQL that many fanout processes, on many machines, work through together: the
/// pattern of Que, GoodJob, River and PGMQ. An item is pushed once per key (its input line), leased by one worker at
/// a time (<c>FOR UPDATE SKIP LOCKED</c>) for a lease time that the worker's heartbeat extends; a lease that runs out
/// (the worker was killed, its machine lost) puts the item back, and each lease counts an attempt. Finishing is fenced
/// by the lease's token, so a worker whose lease ran out cannot overwrite the next owner's result.
/// States: <c>pending</c> -> <c>leased</c> -> <c>done</c> | <c>failed</c> (or back to <c>pending</c> on a lost
/// lease or a failure with attempts left). As in PGMQ, one column says when an item may be leased next
/// (<c>visible_at</c>: its push or return time when pending, its lease's expiry when leased, null when finished), so
/// leasing is one ordered index range whatever the queue's size. The table (<c>fanout_queue</c>, schema version 2) is
/// made on first use; a version 1 table is upgraded in place.
/// </summary>
public sealed class PostgresWorkQueue : IAsyncDisposable
{
    private const string SchemaComment = "fanout work queue, schema 2";
    private readonly NpgsqlDataSource _source;

    private PostgresWorkQueue(NpgsqlDataSource source, string name)
    {
        _source = source;
        Name = name;
    }

    /// <summary>The queue's name (many queues share the table).</summary>
    public string Name { get; }

    /// <summary>Connects to <paramref name="database"/> (<c>postgres://...</c>) and makes the table when missing.</summary>
    /// <param name="database">The database URL.</param>
    /// <param name="name">The queue's name.</param>
    /// <param name="cancellationToken">Cancels the connection.</param>
    /// <returns>The queue.</returns>
    public static async Task<PostgresWorkQueue> OpenAsync(string database, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        // The slim builder (trimming-safe, for the native program) needs arrays turned on: push and heartbeat send them.
        // The same few statements run all the time: prepared once per connection, not parsed and planned each time.
        var settings = new NpgsqlConnectionStringBuilder(PostgresSink.ConnectionString(database)) { MaxAutoPrepare = 16 };
        var source = new NpgsqlSlimDataSourceBuilder(settings.ToString()).EnableArrays().Build();
        try
        {
            await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // Workers starting together must not race to make the table (CREATE ... IF NOT EXISTS is not atomic).
            await using (var command = new NpgsqlCommand(
                """
                SELECT pg_advisory_xact_lock(hashtext('fanout_queue'));
                CREATE TABLE IF NOT EXISTS fanout_queue (
                    queue text NOT NULL,
                    key text NOT NULL,
                    position bigserial,
                    state text NOT NULL DEFAULT 'pending',
                    attempts integer NOT NULL DEFAULT 0,
                    relet integer NOT NULL DEFAULT 0,
                    visible_at timestamptz DEFAULT now(),
                    lease_owner text,
                    lease_token uuid,
                    ok boolean,
                    result text,
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (queue, key));
                """,
                connection,
                transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var command = new NpgsqlCommand("SELECT coalesce(obj_description('fanout_queue'::regclass, 'pg_class'), '')", connection, transaction))
            {
                var comment = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                if (comment != SchemaComment)
                {
                    await using var upgrade = new NpgsqlCommand(
                        $"""
                        ALTER TABLE fanout_queue ADD COLUMN IF NOT EXISTS relet integer NOT NULL DEFAULT 0,
                            ADD COLUMN IF NOT EXISTS visible_at timestamptz DEFAULT now();
                        DO $$ BEGIN
                            IF EXISTS (SELECT FROM information_schema.columns WHERE table_name = 'fanout_queue' AND column_name = 'lease_expires_at') THEN
                                UPDATE fanout_queue SET visible_at = CASE state WHEN 'pending' THEN updated_at WHEN 'leased' THEN lease_expires_at END;
                                ALTER TABLE fanout_queue DROP COLUMN lease_expires_at;
                            END IF;
                        END $$;
                        DROP INDEX IF EXISTS fanout_queue_ready;
                        CREATE INDEX IF NOT EXISTS fanout_queue_visible ON fanout_queue (queue, visible_at, position) WHERE visible_at IS NOT NULL;
                        COMMENT ON TABLE fanout_queue IS '{SchemaComment}';
                        """,
                        connection,
                        transaction);
                    await upgrade.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new PostgresWorkQueue(source, name);
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Adds items; a key already in the queue (in any state) is left as it is.</summary>
    /// <param name="keys">The items (input lines).</param>
    /// <param name="cancellationToken">Cancels the push.</param>
    /// <returns>How many were new.</returns>
    public async Task<long> PushAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        long added = 0;
        await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in keys.Chunk(5000))
        {
            await using var command = new NpgsqlCommand(
                "INSERT INTO fanout_queue (queue, key) SELECT $1, k FROM unnest($2::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n ON CONFLICT DO NOTHING",
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = Name });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk });
            added += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return added;
    }

    /// <summary>
    /// Leases up to <paramref name="count"/> items: pending ones, and leased ones whose lease ran out. Each lease counts
    /// an attempt. A lost lease (its worker was killed) does not use up the item's attempts: it may be leased two
    /// times more than <paramref name="maxAttempts"/> before it is failed as <c>worker_lost</c> (an item that kills
    /// every worker that runs it must end too).
    /// </summary>
    /// <param name="owner">Who leases (host and process), shown by the status.</param>
    /// <param name="count">At most this many.</param>
    /// <param name="lease">How long the lease lasts without a heartbeat.</param>
    /// <param name="maxAttempts">Attempts allowed across all workers.</param>
    /// <param name="cancellationToken">Cancels the lease.</param>
    /// <returns>The leased items: key, token and attempt number.</returns>
    public async Task<IReadOnlyList<QueueLease>> LeaseAsync(string owner, int count, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            WITH ready AS MATERIALIZED (
                SELECT key FROM fanout_queue
                WHERE queue = $1 AND visible_at <= now() AND attempts < $5 + 2
                ORDER BY visible_at, position LIMIT $4 FOR UPDATE SKIP LOCKED)
            UPDATE fanout_queue q
            SET state = 'leased', attempts = q.attempts + 1, relet = q.relet + CASE WHEN q.state = 'leased' THEN 1 ELSE 0 END,
                lease_owner = $2, lease_token = gen_random_uuid(), visible_at = now() + $3 * interval '1 millisecond', updated_at = now()
            FROM ready
            WHERE q.queue = $1 AND q.key = ready.key
            RETURNING q.key, q.lease_token, q.attempts
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Name });
        command.Parameters.Add(new NpgsqlParameter { Value = owner });
        command.Parameters.Add(new NpgsqlParameter { Value = lease.TotalMilliseconds });
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        command.Parameters.Add(new NpgsqlParameter { Value = maxAttempts });
        var leases = new List<QueueLease>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                leases.Add(new QueueLease(reader.GetString(0), reader.GetGuid(1), reader.GetInt32(2)));
            }
        }

        if (leases.Count < count)
        {
            // Near the end: an item whose worker was lost on its last allowed attempt is failed, not leased again.
            await using var expire = new NpgsqlCommand(
                "UPDATE fanout_queue SET state = 'failed', ok = false, lease_token = NULL, visible_at = NULL, updated_at = now(), result = json_build_object('key', key, 'ok', false, 'error', 'its worker was lost ' || attempts || ' times (killed, or its machine gone)', 'error_kind', 'worker_lost', 'attempts', attempts)::text WHERE queue = $1 AND state = 'leased' AND visible_at < now() AND attempts >= $2 + 2",
                connection);
            expire.Parameters.Add(new NpgsqlParameter { Value = Name });
            expire.Parameters.Add(new NpgsqlParameter { Value = maxAttempts });
            await expire.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return leases;
    }

    /// <summary>Extends the leases still held (a token that no longer matches was lost and is not extended).</summary>
    /// <param name="tokens">The leases' tokens.</param>
    /// <param name="lease">The new lease time from now.</param>
    /// <param name="cancellationToken">Cancels the heartbeat.</param>
    /// <returns>How many leases were still held.</returns>
    public async Task<int> HeartbeatAsync(IReadOnlyCollection<Guid> tokens, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0)
        {
            return 0;
        }

        return (int)await ExecuteAsync(
            "UPDATE fanout_queue SET visible_at = now() + $2 * interval '1 millisecond', updated_at = now() WHERE queue = $1 AND state = 'leased' AND lease_token = ANY($3)",
            cancellationToken,
            lease.TotalMilliseconds,
            tokens.ToArray()).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives back leased items that were never started (the worker was stopped): pending again at once, the lease's
    /// attempt not counted.
    /// </summary>
    /// <param name="tokens">The leases' tokens.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>How many were still held.</returns>
    public async Task<int> ReleaseAsync(IReadOnlyCollection<Guid> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0)
        {
            return 0;
        }

        return (int)await ExecuteAsync(
            "UPDATE fanout_queue SET state = 'pending', attempts = attempts - 1, lease_token = NULL, visible_at = now(), updated_at = now() WHERE queue = $1 AND state = 'leased' AND lease_token = ANY($2)",
            cancellationToken,
            tokens.ToArray()).ConfigureAwait(false);
    }


    /// <summary>
    /// Finishes a leased item with its result record: done when ok; when failed, failed for good after
    /// <paramref name="maxAttempts"/> attempts, else pending again. Only the lease's holder can finish it.
    /// </summary>
    /// <param name="lease">The lease.</param>
    /// <param name="ok">Whether the item succeeded.</param>
    /// <param name="result">Its result record (a JSON line).</param>
    /// <param name="maxAttempts">Attempts allowed across all workers.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether the lease was still held (else another worker owns the item now and this result is dropped).</returns>
    public async Task<bool> FinishAsync(QueueLease lease, bool ok, string result, int maxAttempts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return await FinishManyAsync([(lease, ok, result)], maxAttempts, cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Finishes many leased items in one statement (what <see cref="FinishAsync"/> does for one): a worker sends its
    /// results in batches, so the queue costs a round trip per batch, not per item.
    /// </summary>
    /// <param name="finished">Each lease with its outcome and result record.</param>
    /// <param name="maxAttempts">Attempts allowed across all workers.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many leases were still held (the others' results were dropped).</returns>
    public async Task<int> FinishManyAsync(IReadOnlyList<(QueueLease Lease, bool Ok, string Result)> finished, int maxAttempts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(finished);
        if (finished.Count == 0)
        {
            return 0;
        }

        await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            UPDATE fanout_queue q SET ok = v.ok, result = v.result, lease_token = NULL, updated_at = now(),
                state = CASE WHEN v.ok THEN 'done' WHEN q.attempts >= $2 THEN 'failed' ELSE 'pending' END,
                visible_at = CASE WHEN v.ok OR q.attempts >= $2 THEN NULL ELSE now() END
            FROM unnest($3::text[], $4::uuid[], $5::boolean[], $6::text[]) AS v(key, token, ok, result)
            WHERE q.queue = $1 AND q.key = v.key AND q.lease_token = v.token AND q.state = 'leased'
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Name });
        command.Parameters.Add(new NpgsqlParameter { Value = maxAttempts });
        command.Parameters.Add(new NpgsqlParameter { Value = finished.Select(f => f.Lease.Key).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = finished.Select(f => f.Lease.Token).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = finished.Select(f => f.Ok).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = finished.Select(f => f.Result).ToArray() });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts by state and the leases' owners.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>State to count, and each owner with its leased items and latest heartbeat.</returns>
    public async Task<QueueStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal) { ["pending"] = 0, ["leased"] = 0, ["done"] = 0, ["failed"] = 0 };
        await using (var command = new NpgsqlCommand("SELECT state, count(*) FROM fanout_queue WHERE queue = $1 GROUP BY state", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Name });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var owners = new List<(string Owner, long Leased, DateTimeOffset LastSeen)>();
        await using (var command = new NpgsqlCommand("SELECT lease_owner, count(*) FILTER (WHERE state = 'leased'), max(updated_at) FROM fanout_queue WHERE queue = $1 AND lease_owner IS NOT NULL GROUP BY lease_owner ORDER BY 3 DESC", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Name });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                owners.Add((reader.GetString(0), reader.GetInt64(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero)));
            }
        }

        long relet;
        double rate;
        // The rate: items finished in the last minute over the time since the first of them (a run that began less
        // than a minute ago is not diluted over a whole minute).
        await using (var command = new NpgsqlCommand(
            """
            SELECT count(*) FILTER (WHERE relet > 0),
                   count(*) FILTER (WHERE recent),
                   extract(epoch FROM now() - min(updated_at) FILTER (WHERE recent))::float8
            FROM (SELECT relet, updated_at, state IN ('done', 'failed') AND updated_at > now() - interval '1 minute' AS recent
                  FROM fanout_queue WHERE queue = $1) q
            """,
            connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Name });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            relet = reader.GetInt64(0);
            var recent = reader.GetInt64(1);
            rate = recent == 0 ? 0 : recent / Math.Max(reader.GetDouble(2), 1);
        }

        return new QueueStatus(counts, owners, relet, rate);
    }

    /// <summary>The result records of finished items, in push order.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Each finished item's record.</returns>
    public async IAsyncEnumerable<string> ResultsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT result FROM fanout_queue WHERE queue = $1 AND state IN ('done', 'failed') AND result IS NOT NULL ORDER BY position", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.GetString(0);
        }
    }

    /// <summary>Puts failed items back to pending, their attempts counted from zero again.</summary>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>How many.</returns>
    public async Task<long> RetryFailedAsync(CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE fanout_queue SET state = 'pending', attempts = 0, ok = NULL, result = NULL, visible_at = now(), updated_at = now() WHERE queue = $1 AND state = 'failed'", cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes the queue's items.</summary>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>How many.</returns>
    public async Task<long> DropAsync(CancellationToken cancellationToken = default) =>
        await ExecuteAsync("DELETE FROM fanout_queue WHERE queue = $1", cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _source.DisposeAsync();

    /// <summary>One statement on this queue: <c>$1</c> is its name, <paramref name="values"/> are <c>$2</c> on.</summary>
    private async Task<long> ExecuteAsync(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Name });
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A leased queue item.</summary>
/// <param name="Key">The item (its input line).</param>
/// <param name="Token">The lease's token: only its holder can finish the item.</param>
/// <param name="Attempt">The attempt this lease is, counted across all workers.</param>
public sealed record QueueLease(string Key, Guid Token, int Attempt);

/// <summary>A queue's counts by state and its workers.</summary>
/// <param name="Counts">State (<c>pending</c>, <c>leased</c>, <c>done</c>, <c>failed</c>) to count.</param>
/// <param name="Owners">Each worker seen: items it holds now and when it last wrote.</param>
/// <param name="Relet">Items leased again after their worker was lost: each may have run twice (at most once per lost
/// lease), the only way an item runs more often than its attempts say.</param>
/// <param name="Rate">Items finished (done or failed) per second over the last minute (or since the first finish, when
/// that was less than a minute ago).</param>
public sealed record QueueStatus(IReadOnlyDictionary<string, long> Counts, IReadOnlyList<(string Owner, long Leased, DateTimeOffset LastSeen)> Owners, long Relet, double Rate)
{
    /// <summary>When the rest (pending and leased) would be finished at <see cref="Rate"/>; null when nothing finishes.</summary>
    public TimeSpan? Eta
    {
        get
        {
            var left = Counts.GetValueOrDefault("pending") + Counts.GetValueOrDefault("leased");
            return left == 0 ? TimeSpan.Zero : Rate == 0 ? null : TimeSpan.FromSeconds(left / Rate);
        }
    }
}
