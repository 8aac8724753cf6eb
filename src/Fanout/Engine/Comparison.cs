namespace Fanout.Engine;

/// <summary>The comparisons rules are written with (<c>--threshold p99&lt;300ms</c>, <c>--expect json:.count&gt;0</c>).</summary>
internal static class Comparison
{
    /// <summary>Whether <paramref name="seen"/> <paramref name="op"/> <paramref name="limit"/> holds.</summary>
    /// <param name="seen">The value measured.</param>
    /// <param name="op">One of <c>&lt; &lt;= &gt; &gt;= = !=</c>; any other never holds.</param>
    /// <param name="limit">The value in the rule.</param>
    /// <returns>Whether it holds.</returns>
    public static bool Holds(double seen, string op, double limit) => op switch
    {
        ">" => seen > limit,
        ">=" => seen >= limit,
        "<" => seen < limit,
        "<=" => seen <= limit,
        "=" => seen == limit,
        "!=" => seen != limit,
        _ => false,
    };
}
