using ActorNet.Testing;
using Akka.TestKit.Xunit2;
using Xunit;

namespace HandlerTests;

#region test
public sealed class ShoutTests : TestKit
{
    [Fact]
    public void Answers_each_line_in_upper_case_and_ends_on_QUIT()
    {
        var peer = ConnectionHarness.Start(this, new Shout());   // the handler under test
        peer.Send("hel");
        peer.ExpectNoBytes(TimeSpan.FromMilliseconds(50));       // half a line: nothing yet
        peer.Send("lo, €uro\nQUIT\n");                           // Send and ExpectString speak UTF-8
        peer.ExpectString("HELLO, €URO\nBYE\n");
        peer.ExpectFin();
        peer.SendFin();                                          // or peer.Reset()
        peer.ExpectClosed();
    }
}
#endregion
