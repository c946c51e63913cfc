namespace AICO.Settings;

/// <summary>Error messages of settings' range attributes; the validator puts the full configuration key in front.</summary>
public static class SettingMessages
{
    public const string Between = "must be between {1} and {2}.";
}
