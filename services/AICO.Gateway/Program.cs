using AICO.Bus;
using AICO.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAicoBusClient(Components.Gateway);
builder.AddAicoBusLogging();
builder.AddAicoDatabase(Components.Gateway);

var app = builder.Build();
app.MapDefaultEndpoints();

var keys = ComponentKeys.Resolve(Components.Gateway, name => app.Configuration[name], AicoPaths.FromEnvironment());
app.Logger.LogInformation("AICO gateway starting with public key {PublicKey}", keys.KeyPair.PublicKeyZ85);

app.Run();
