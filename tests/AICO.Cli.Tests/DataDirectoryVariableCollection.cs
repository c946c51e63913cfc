namespace AICO.Cli.Tests;

/// <summary>
/// In-process commands read AICO_DATA_DIR, which is process-wide: the test classes that set it run one after another
/// in this collection, never beside each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DataDirectoryVariableCollection
{
    public const string Name = "AICO_DATA_DIR";
}
