using ActorNet.Transport;
using Xunit;

namespace ActorNet.Tests;

/// <summary>IoThreadScope, the mark a transport sets around a delivery so event-loop actors run on its thread.</summary>
public sealed class IoThreadScopeTests
{
    [Fact]
    public void Scopes_nest_and_each_restores_the_mark_the_thread_had_before()
    {
        Assert.False(IoThreadScope.IsActive);
        using (IoThreadScope.Enter())
        {
            Assert.True(IoThreadScope.IsActive);
            using (IoThreadScope.Enter()) Assert.True(IoThreadScope.IsActive);
            Assert.True(IoThreadScope.IsActive);
        }
        Assert.False(IoThreadScope.IsActive);
    }

    [Fact]
    public void The_mark_belongs_to_one_thread()
    {
        using var scope = IoThreadScope.Enter();
        var elsewhere = Task.Factory.StartNew(() => IoThreadScope.IsActive, TaskCreationOptions.LongRunning).GetAwaiter().GetResult();
        Assert.False(elsewhere);
    }
}
