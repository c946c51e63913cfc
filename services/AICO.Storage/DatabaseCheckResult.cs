namespace AICO.Storage;

/// <summary>
/// PRAGMA integrity_check (SQLite's structure, "ok" when sound) and PRAGMA cipher_integrity_check (every page's HMAC,
/// no rows when sound). Each list holds the problems found.
/// </summary>
public sealed record DatabaseCheckResult(IReadOnlyList<string> IntegrityErrors, IReadOnlyList<string> CipherErrors)
{
    public bool Ok => IntegrityErrors.Count == 0 && CipherErrors.Count == 0;
}
