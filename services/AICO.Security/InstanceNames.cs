namespace AICO.Security;

/// <summary>
/// An enrolled instance of a component runs on another host under the name <c>component@name</c>
/// (e.g. <c>modelservice@gpu-box</c>). The broker allow-lists the instance; its permissions are its component's.
/// </summary>
public static class InstanceNames
{
    public const char Separator = '@';
    public const int MaxNameLength = 32;

    /// <summary>The component an instance belongs to ("modelservice@gpu-box" gives "modelservice"; a bare component is itself).</summary>
    public static string ComponentOf(string instance)
    {
        var at = instance.IndexOf(Separator);
        return at > 0 ? instance[..at] : instance;
    }

    public static string Compose(string component, string name) => component + Separator + name;

    /// <summary>Lower-case letters, digits and '-', starting with a letter or digit, at most 32 characters.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength
        && char.IsAsciiLetterLower(name[0]) | char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>A short random name for an instance enrolled without --name.</summary>
    public static string NewName() => "host-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
}
