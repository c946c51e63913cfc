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
}
