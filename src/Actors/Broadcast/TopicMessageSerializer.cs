using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;

namespace ActorNet.Broadcast;

/// <summary>
/// <see cref="TopicMessage"/> on the wire: origin (8 bytes), topic length (2 bytes), topic (UTF-8), payload. Akka's
/// default JSON serializer would send the payload as base64 text, a third larger and slower for every line.
/// </summary>
internal sealed class TopicMessageSerializer(ExtendedActorSystem system) : Serializer(system)
{
    /// <summary>The serializer id, unique among the ActorSystem's serializers (Akka keeps 0-100 for its own).</summary>
    public const int Id = 8071;

    private const int HeaderLength = 10;

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        var message = (TopicMessage)obj;
        var topicLength = Encoding.UTF8.GetByteCount(message.Topic);
        var bytes = new byte[HeaderLength + topicLength + message.Data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, message.OriginNode);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), checked((ushort)topicLength));
        Encoding.UTF8.GetBytes(message.Topic, bytes.AsSpan(HeaderLength));
        message.Data.CopyTo(bytes.AsSpan(HeaderLength + topicLength));
        return bytes;
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, Type type)
    {
        if (bytes.Length < HeaderLength) throw new SerializationException($"topic message of {bytes.Length} bytes is shorter than its header");
        var origin = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        if (bytes.Length < HeaderLength + topicLength)
            throw new SerializationException($"topic message of {bytes.Length} bytes is shorter than its {topicLength}-byte topic");
        var topic = Encoding.UTF8.GetString(bytes, HeaderLength, topicLength);
        return new TopicMessage(topic, origin, bytes[(HeaderLength + topicLength)..]);
    }
}
