using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AICO.Settings;

/// <summary>
/// Checks options against their data annotations and words every problem with the full configuration key
/// ("Logging:Bus:BufferCapacity must be between 1 and 10000000."), so a host that refuses to start says which setting.
/// </summary>
public sealed class ConfigurationSectionValidator<TOptions>(string section) : IValidateOptions<TOptions> where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(r => $"{section}:{string.Join(", ", r.MemberNames)} {r.ErrorMessage}"));
    }
}
