using ActorNet.Tests.Support;
using Xunit;

namespace ActorNet.Tests;

/// <summary>Every C# block in README.md and docs/*.md is an exact excerpt of a file in examples/ (built and run by CI).</summary>
public sealed class DocumentationExcerptTests
{
    private static readonly string Root = MarkdownExcerpts.RepositoryRoot();

    public static TheoryData<string> Documents()
    {
        var documents = new TheoryData<string> { "README.md" };
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Order(StringComparer.Ordinal))
            documents.Add("docs/" + Path.GetFileName(file));
        return documents;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_CSharp_block_is_an_excerpt_of_a_built_file(string document)
    {
        var problems = MarkdownExcerpts.Check(File.ReadAllText(Path.Combine(Root, document)), document, ReadRepositoryFile, out _);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_README_shows_the_examples()
    {
        MarkdownExcerpts.Check(File.ReadAllText(Path.Combine(Root, "README.md")), "README.md", ReadRepositoryFile, out var blocks);
        Assert.True(blocks >= 3, $"the README compares only {blocks} blocks with their files");
    }

    [Fact]
    public void A_block_that_differs_from_its_file_is_reported_with_the_line()
    {
        var markdown = "<!-- file: a.cs -->\n```csharp\nvar x = 1;\nvar y = 3;\n```\n";
        var problems = MarkdownExcerpts.Check(markdown, "doc.md", Files(("a.cs", "var x = 1;\nvar y = 2;\n")), out _);
        var problem = Assert.Single(problems);
        Assert.StartsWith("doc.md:4: differs from a.cs at line 2 of the block", problem);
        Assert.Contains("file:  var y = 2;", problem);
        Assert.Contains("block: var y = 3;", problem);
    }

    [Fact]
    public void A_block_equal_to_its_file_or_region_passes()
    {
        var file = "using X;\n\nclass A\n{\n    #region body\n    void M()\n    {\n    }\n    #endregion\n}\n";
        var markdown = "<!-- file: a.cs -->\n```csharp\nusing X;\n\nclass A\n{\n    #region body\n    void M()\n    {\n    }\n    #endregion\n}\n```\n"
            + "text\n\n<!-- file: a.cs#body -->\n\n```cs\nvoid M()\n{\n}\n```\n";
        Assert.Empty(MarkdownExcerpts.Check(markdown, "doc.md", Files(("a.cs", file)), out var blocks));
        Assert.Equal(2, blocks);
    }

    [Fact]
    public void A_CSharp_block_without_a_file_is_reported()
    {
        var markdown = "# T\n\n```csharp\nvar x = 1;\n```\n\n```\nusing System;\n```\n\n```\ndotnet test\n```\n\n```hocon\na = 1\n```\n";
        var problems = MarkdownExcerpts.Check(markdown, "doc.md", Files(), out _);
        Assert.Equal(2, problems.Count);
        Assert.StartsWith("doc.md:3: a C# block with no", problems[0]);
        Assert.StartsWith("doc.md:7: a C# block with no", problems[1]);
    }

    [Fact]
    public void A_missing_file_region_or_a_path_outside_the_repository_is_reported()
    {
        var markdown = "<!-- file: gone.cs -->\n```csharp\nx\n```\n<!-- file: a.cs#nope -->\n```csharp\nx\n```\n<!-- file: ../a.cs -->\n```csharp\nx\n```\n";
        var problems = MarkdownExcerpts.Check(markdown, "doc.md", Files(("a.cs", "x\n")), out _);
        Assert.Equal(3, problems.Count);
        Assert.Contains("gone.cs: no such file", problems[0]);
        Assert.Contains("no \"#region nope\"", problems[1]);
        Assert.Contains("must be relative to the repository", problems[2]);
    }

    private static string? ReadRepositoryFile(string path)
    {
        var full = Path.Combine(Root, path);
        return File.Exists(full) ? File.ReadAllText(full) : null;
    }

    private static Func<string, string?> Files(params (string Path, string Text)[] files) =>
        path => files.FirstOrDefault(f => f.Path == path).Text;
}
