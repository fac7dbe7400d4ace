using ActorNet.Server;
using Xunit;

namespace ActorNet.Tests;

/// <summary>The line new connections never cross: the last 1/16 of the open-files limit, at least 64, at most 512.</summary>
public sealed class DescriptorLimitTests
{
    [Theory]
    [InlineData(256, 64)]
    [InlineData(1024, 64)]
    [InlineData(4096, 256)]
    [InlineData(20000, 512)]
    [InlineData(1048576, 512)]
    public void The_headroom_is_a_sixteenth_of_the_limit_between_64_and_512(long limit, long headroom) =>
        Assert.Equal(headroom, DescriptorLimit.Headroom(limit));

    [Fact]
    public void The_line_is_the_limit_in_force_less_its_headroom_and_a_connection_without_a_descriptor_never_crosses_it()
    {
        var limit = DescriptorLimit.Limit;
        Assert.Equal(limit - DescriptorLimit.Headroom(limit), DescriptorLimit.ShedAt);
        Assert.False(DescriptorLimit.IsPastLine(-1));
        Assert.False(DescriptorLimit.IsPastLine((int)DescriptorLimit.ShedAt - 1));
        Assert.True(DescriptorLimit.IsPastLine((int)DescriptorLimit.ShedAt));
    }
}
