using Cairn.Core.Errors;
using Cairn.Core.Querying;
using Npgsql;

namespace Cairn.Store.Postgres;

/// <summary>
/// Runs one <c>get_all</c> query within its budget (<see cref="QueryBudget"/>): a transaction with
/// <c>SET LOCAL statement_timeout</c>, so the server stops the statement when the time is up.
/// </summary>
internal static class PostgresQueryBudget
{
    public static async Task<T> RunAsync<T>(NpgsqlConnection connection, EntityQuery query, Func<Task<T>> run, CancellationToken cancellationToken)
    {
        var budget = QueryBudget.Default;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var set = new NpgsqlCommand(
            $"SET LOCAL statement_timeout = {(long)budget.TotalMilliseconds}", connection, transaction))
        {
            await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            var result = await run().ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw QueryBudget.Exceeded(query, budget);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidRegularExpression)
        {
            // PostgresRegex refuses what it cannot translate; this catches what slipped through.
            throw new CairnException(ErrorCodes.InvalidRegex, e.MessageText);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.StatementTooComplex or PostgresErrorCodes.ProgramLimitExceeded)
        {
            throw CairnException.Validation("the query has too many conditions or sort keys; simplify it");
        }
    }
}
