namespace AICO.Security.Tests;

public class AicoPathsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void AICO_DATA_DIR_wins_then_XDG_then_home()
    {
        Assert.Equal("/x/data", AicoPaths.Resolve(Env(("AICO_DATA_DIR", "/x/data"), ("XDG_DATA_HOME", "/xdg"), ("HOME", "/h"))).DataDirectory);
        Assert.Equal("/xdg/aico", AicoPaths.Resolve(Env(("XDG_DATA_HOME", "/xdg"), ("HOME", "/h"))).DataDirectory);
        Assert.Equal("/h/.local/share/aico", AicoPaths.Resolve(Env(("HOME", "/h"))).DataDirectory);
    }

    [Fact]
    public void Runtime_directory_defaults_under_data_and_can_be_overridden()
    {
        Assert.Equal("/d/run", AicoPaths.Resolve(Env(("AICO_DATA_DIR", "/d"))).RuntimeDirectory);
        Assert.Equal("/r", AicoPaths.Resolve(Env(("AICO_DATA_DIR", "/d"), ("AICO_RUNTIME_DIR", "/r"))).RuntimeDirectory);
        Assert.Equal("/d/aico.db", AicoPaths.Resolve(Env(("AICO_DATA_DIR", "/d"))).DatabaseFile);
    }
}
