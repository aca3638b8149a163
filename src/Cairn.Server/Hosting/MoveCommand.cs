using Cairn.Store.Move;

namespace Cairn.Server.Hosting;

/// <summary>
/// <c>cairn move-to-postgres [--from DATA_DIR|FILE.db] --to CONNECTION_STRING</c>: copies a SQLite
/// installation's store into an empty PostgreSQL database (<see cref="SqliteToPostgres"/>). The
/// blobs stay where they are; point <c>Cairn:Files</c> at them as before.
/// </summary>
public static class MoveCommand
{
    public const string Name = "move-to-postgres";

    private const string Usage = "usage: cairn move-to-postgres [--from DATA_DIR|FILE.db] --to CONNECTION_STRING (the password may come from PGPASSWORD)";

    /// <summary>Runs the command on the arguments after its name; returns the exit code (0 moved, 2 refused or bad arguments).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string from = "data";
        string? to = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--from" when i + 1 < args.Length:
                    from = args[++i];
                    break;
                case "--to" when i + 1 < args.Length:
                    to = args[++i];
                    break;
                default:
                    await error.WriteLineAsync($"cairn: {Usage}");
                    return 2;
            }
        }
        if (string.IsNullOrWhiteSpace(to))
        {
            await error.WriteLineAsync($"cairn: {Usage}");
            return 2;
        }
        var path = Directory.Exists(from) ? Path.Combine(from, "cairn.db") : from;
        try
        {
            var moved = await SqliteToPostgres.MoveAsync(path, to, output);
            await output.WriteLineAsync($"Moved {moved.Sum(t => t.Rows)} rows in {moved.Count} tables from {path}; every count checked. Start the server with Cairn:Database:Provider=postgres.");
            return 0;
        }
        catch (MoveRefusedException e)
        {
            await error.WriteLineAsync($"cairn: {e.Message}");
            return 2;
        }
        catch (ArgumentException e)
        {
            // Npgsql's connection-string parser; its message never repeats the password.
            await error.WriteLineAsync($"cairn: --to is not a valid PostgreSQL connection string: {e.Message}");
            return 2;
        }
        catch (Npgsql.NpgsqlException e)
        {
            await error.WriteLineAsync($"cairn: the PostgreSQL database could not be written: {e.Message}; nothing was committed.");
            return 2;
        }
    }
}
