namespace PatroniHa.Engine.Execution.Transactions;

/// <summary>
/// Finds statements that would end or restart the module's transaction (COMMIT, ROLLBACK, BEGIN …) in SQL
/// text, before it is sent: a user COMMIT inside the block would commit half of it behind the retry rules'
/// back. Skips string literals, quoted identifiers, dollar quotes and comments; looks at each statement's
/// first words only.
/// </summary>
internal static class TransactionControlGuard
{
    private static readonly HashSet<string> EndsOrStarts = new(StringComparer.OrdinalIgnoreCase)
    {
        "COMMIT", "END", "ABORT", "BEGIN", "START",
    };

    // Every first word Find can refuse: those above, and ROLLBACK / PREPARE, which it checks with their next word.
    private static readonly string[] Keywords = [.. EndsOrStarts, "ROLLBACK", "PREPARE"];

    /// <summary>The offending statement's first words, or null when the SQL controls no transaction.</summary>
    public static string? Find(string sql)
    {
        // Every plain write is checked: most name none of the keywords, and then nothing is parsed.
        if (!NamesAnyKeyword(sql))
            return null;
        foreach (string statement in StatementStarts(sql))
        {
            string[] words = statement.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            string first = words[0].TrimEnd(';');
            string second = words.Length > 1 ? words[1].TrimEnd(';') : "";
            if (EndsOrStarts.Contains(first) && !(first.Equals("START", StringComparison.OrdinalIgnoreCase) &&
                                                  !second.Equals("TRANSACTION", StringComparison.OrdinalIgnoreCase)))
                return $"{first} {second}".Trim().ToUpperInvariant();
            // ROLLBACK TO [SAVEPOINT] x undoes part of the transaction and keeps it open: allowed.
            if (first.Equals("ROLLBACK", StringComparison.OrdinalIgnoreCase) && !second.Equals("TO", StringComparison.OrdinalIgnoreCase))
                return "ROLLBACK";
            if (first.Equals("PREPARE", StringComparison.OrdinalIgnoreCase) && second.Equals("TRANSACTION", StringComparison.OrdinalIgnoreCase))
                return "PREPARE TRANSACTION";
        }
        return null;
    }

    private static bool NamesAnyKeyword(string sql)
    {
        foreach (string keyword in Keywords)
        {
            if (sql.Contains(keyword, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>The text of each top-level statement, with comments removed and quoted text blanked.</summary>
    internal static IEnumerable<string> StatementStarts(string sql)
    {
        var current = new System.Text.StringBuilder();
        int i = 0;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                    i++;
                current.Append(' ');
                continue;
            }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                int depth = 0;
                do
                {
                    if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*') { depth++; i += 2; }
                    else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/') { depth--; i += 2; }
                    else i++;
                }
                while (depth > 0 && i < sql.Length);
                current.Append(' ');
                continue;
            }
            if (c is '\'' or '"')
            {
                i = SkipQuoted(sql, i, c);
                current.Append(" x ");
                continue;
            }
            if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                int end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + tag.Length;
                current.Append(" x ");
                continue;
            }
            if (c == ';')
            {
                yield return current.ToString();
                current.Clear();
                i++;
                continue;
            }
            current.Append(c);
            i++;
        }
        yield return current.ToString();
    }

    private static int SkipQuoted(string sql, int start, char quote)
    {
        int i = start + 1;
        while (i < sql.Length)
        {
            if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote) { i += 2; continue; } // doubled quote
                return i + 1;
            }
            // E'…' strings escape with backslashes; a backslash before a quote never ends a standard string
            // either in a way that would hide a statement start, so skipping it is safe for this purpose.
            if (sql[i] == '\\' && quote == '\'' && start > 0 && (sql[start - 1] is 'E' or 'e')) { i += 2; continue; }
            i++;
        }
        return sql.Length;
    }

    // $$ or $tag$ (a tag is an identifier); $1 is a parameter, and a $ inside an identifier (x$y$) no quote.
    private static string? DollarTag(string sql, int i)
    {
        if (i > 0 && (char.IsLetterOrDigit(sql[i - 1]) || sql[i - 1] is '_' or '$'))
            return null;
        int j = i + 1;
        while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] == '_'))
            j++;
        if (j >= sql.Length || sql[j] != '$')
            return null;
        if (j > i + 1 && char.IsDigit(sql[i + 1]))
            return null;
        return sql.Substring(i, j - i + 1);
    }
}
