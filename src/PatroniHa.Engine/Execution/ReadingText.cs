using PatroniHa.Engine.Execution.Transactions;

namespace PatroniHa.Engine.Execution;

/// <summary>
/// Whether SQL text only reads (every statement a SELECT, VALUES, TABLE, SHOW, FETCH or EXPLAIN without ANALYZE),
/// so stopping it half-way loses nothing. Anything else may write and must run to its end once sent. A SELECT that
/// calls a function which writes counts as reading: the text cannot tell.
/// </summary>
public static class ReadingText
{
    private static readonly HashSet<string> ReadingStarts = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "VALUES", "TABLE", "SHOW", "FETCH", "EXPLAIN",
    };

    public static bool OnlyReads(string sql)
    {
        bool any = false;
        foreach (string statement in TransactionControlGuard.StatementStarts(sql))
        {
            string[] words = statement.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            string first = words[0].TrimStart('(').TrimEnd(';');
            if (!ReadingStarts.Contains(first))
                return false;
            // EXPLAIN ANALYZE (or ANALYSE) runs the statement it explains.
            if (first.Equals("EXPLAIN", StringComparison.OrdinalIgnoreCase) &&
                statement.Contains("ANALY", StringComparison.OrdinalIgnoreCase))
                return false;
            any = true;
        }
        return any;
    }
}
