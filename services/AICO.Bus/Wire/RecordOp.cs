namespace AICO.Bus;

/// <summary>The kinds of record inside a sealed frame; one frame carries one or more records (batching).</summary>
internal enum RecordOp : byte
{
    Control = 1,
    Publish = 2,
    Request = 3,
    Reply = 4,
    Deliver = 5,
    DeliverReply = 6,

    // Streams (docs/bus-protocol.md, "Streams"): the u64 slot of the message header carries the credit window.
    StreamRequest = 7,
    StreamItem = 8,
    StreamEnd = 9,
    DeliverStreamRequest = 10,
    DeliverStreamItem = 11,
    DeliverStreamEnd = 12,
}
