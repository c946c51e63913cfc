namespace AICO.LogStore;

/// <summary>One page of log rows, newest first; <see cref="NextBeforeId"/> continues with older ones (null: none left).</summary>
public sealed record LogRowPage(IReadOnlyList<LogRecordRow> Rows, long? NextBeforeId);
