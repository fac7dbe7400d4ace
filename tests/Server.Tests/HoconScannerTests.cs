using ActorNet.Options;
using ActorNet.Server;
using Akka.Configuration;
using Xunit;

namespace ActorNet.Tests;

/// <summary><see cref="HoconScanner"/>: valid HOCON passes untouched, malformed HOCON is found with its place, ${VAR} is read.</summary>
public sealed class HoconScannerTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Theory]
    [InlineData("a = 1")]
    [InlineData("a : 1\nb = \"x = y: z\" # = { [ \"\n// } ]\nc { d = [1, 2, {e = 3}], f += 4 }")]
    [InlineData("{\n  a = 1\n}\n")]
    [InlineData("a = \"\"\"several\nlines \" } ] = \"\"\"\nb = 2")]
    [InlineData("a {\n  b = 1,\n  c = 2\n}\nd = ${a.b}")]
    [InlineData("a = [\n  1\n  2\n]")]
    [InlineData("a =\n  1")]
    [InlineData("a.b.c = \"ActorNet.Dispatch.EventLoopExecutorConfigurator, ActorNet.Actors\"")]
    [InlineData("include \"x.conf\"\na = 1")]
    public void Valid_hocon_passes(string hocon)
    {
        var result = HoconScanner.Scan(hocon, NoEnvironment);
        Assert.Empty(result.Problems);
        Assert.Equal(hocon, result.Text);
    }

    [Fact]
    public void The_shipped_files_pass()
    {
        Assert.Empty(HoconScanner.Scan(ReferenceConfig.Text, NoEnvironment).Problems);
        var shipped = Path.Combine(AppContext.BaseDirectory, "hocon", "server.conf");
        Assert.Empty(HoconScanner.Scan(File.ReadAllText(shipped), NoEnvironment).Problems);
    }

    [Theory]
    [InlineData("a = [1,", 1, 5, "'[' is never closed")]
    [InlineData("a {\n  b = 1\n", 1, 3, "'{' is never closed")]
    [InlineData("a = 1\n}", 2, 1, "unexpected '}' (nothing to close)")]
    [InlineData("a = \"open\nb = 2", 1, 5, "unterminated string")]
    [InlineData("a = = 1", 1, 5, "unexpected '='")]
    [InlineData("a = 1 = 2", 1, 7, "unexpected '=' after a value")]
    [InlineData("a\nb = 1", 1, 1, "a key without '=' and a value")]
    [InlineData("a { b = [1 }", 1, 12, "'}' where ']' should close the '[' opened at line 1, column 9")]
    [InlineData("a = \"\"\"open", 1, 5, "unterminated \"\"\" string")]
    [InlineData("include required(\"x.conf\")", 1, 1, "include needs a quoted file name")]
    public void Malformed_hocon_is_found_with_line_and_column(string hocon, int line, int column, string problem)
    {
        var found = HoconScanner.Scan(hocon, NoEnvironment).Problems;
        Assert.Contains(found, p => p.Line == line && p.Column == column && p.Text.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void A_set_variable_replaces_the_substitution_as_a_quoted_string()
    {
        var result = HoconScanner.Scan("a = ${?V}\nb = ${W}\nc = x${?V}y", name => name switch { "V" => "say \"hi\"\\", "W" => "7", _ => null });
        Assert.Empty(result.Problems);
        var config = ConfigurationFactory.ParseString(result.Text);
        Assert.Equal("say \"hi\"\\", config.GetString("a"));
        Assert.Equal("7", config.GetString("b"));
        Assert.Equal("xsay \"hi\"\\y", config.GetString("c"));
    }

    [Fact]
    public void An_unset_optional_variable_leaves_its_key_unset_so_a_lower_layer_shows_through()
    {
        var result = HoconScanner.Scan("a { port = ${?NOPE}, host = h }\nb = [1, ${?NOPE}, 2]\nc = x${?NOPE}", NoEnvironment);
        Assert.Equal([], result.Problems.Select(p => $"{p.Line}:{p.Column} {p.Text}"));
        var config = ConfigurationFactory.ParseString(result.Text).WithFallback(ConfigurationFactory.ParseString("a.port = 7000"));
        Assert.Equal(7000, config.GetInt("a.port"));
        Assert.Equal("h", config.GetString("a.host"));
        Assert.Equal([1, 2], config.GetIntList("b"));
        Assert.Equal("x", config.GetString("c"));
    }

    [Fact]
    public void An_unset_required_variable_is_left_for_the_file_and_reported_where_it_is()
    {
        var result = HoconScanner.Scan("a = 1\nb = ${NOPE}", NoEnvironment);
        Assert.Equal([new HoconScanner.Substitution(2, 5, "NOPE")], result.Unresolved);
    }
}
