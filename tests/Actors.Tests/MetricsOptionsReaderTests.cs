using Akka.Configuration;
using ActorNet.Options;
using Xunit;

namespace ActorNet.Tests;

/// <summary><see cref="MetricsOptionsReader"/>: the executable's <c>actornet.metrics</c> keys, validated once with the key named.</summary>
public sealed class MetricsOptionsReaderTests
{
    private static MetricsOptions Read(string hocon) => MetricsOptionsReader.Read(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Every_key_has_a_default_in_reference_conf_and_otlp_is_off_by_default()
    {
        var options = MetricsOptionsReader.Read(Config.Empty);
        Assert.Equal(new MetricsOptions(), options);
        Assert.False(options.OtlpEnabled);
        Assert.Equal(OtlpProtocol.Grpc, options.OtlpProtocol);
        Assert.Equal(TimeSpan.FromSeconds(60), options.OtlpInterval);
    }

    [Fact]
    public void An_endpoint_turns_otlp_on_with_the_protocol_and_interval_as_written()
    {
        var options = Read("""
            actornet.metrics.otlp {
              endpoint = "http://127.0.0.1:4318/v1/metrics"
              protocol = http/protobuf
              interval = 500ms
            }
            """);
        Assert.True(options.OtlpEnabled);
        Assert.Equal(new Uri("http://127.0.0.1:4318/v1/metrics"), options.OtlpEndpoint);
        Assert.Equal(OtlpProtocol.HttpProtobuf, options.OtlpProtocol);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.OtlpInterval);
    }

    [Theory]
    [InlineData("endpoint = \"127.0.0.1:4317\"", "actornet.metrics.otlp.endpoint: \"127.0.0.1:4317\" is not an http:// or https:// URL")]
    [InlineData("endpoint = \"ftp://collector:4317\"", "actornet.metrics.otlp.endpoint: \"ftp://collector:4317\" is not an http:// or https:// URL")]
    [InlineData("protocol = thrift", "actornet.metrics.otlp.protocol: \"thrift\" is not an OTLP protocol (grpc, http/protobuf)")]
    [InlineData("interval = 10ms", "actornet.metrics.otlp.interval: 10ms is too short (100ms-1h)")]
    [InlineData("interval = 2h", "actornet.metrics.otlp.interval: 2h is out of range (0s-3600s)")]
    [InlineData("interval = 5", "actornet.metrics.otlp.interval: \"5\" has no unit")]
    [InlineData("endpiont = \"http://x\"", "actornet.metrics.otlp.endpiont: unknown key")]
    public void A_bad_value_or_unknown_key_is_rejected_with_a_message_naming_the_key(string setting, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Read($"actornet.metrics.otlp {{ {setting} }}"));
        Assert.StartsWith(expected, error.Message);
    }
}
