using AICO.Bus;
using AICO.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAicoBusClient(Components.ModelService);
builder.AddAicoBusLogging();

var app = builder.Build();
app.MapDefaultEndpoints();

var keys = ComponentKeys.Resolve(Components.ModelService, name => app.Configuration[name], AicoPaths.FromEnvironment());
app.Logger.LogInformation("AICO modelservice starting with public key {PublicKey}", keys.KeyPair.PublicKeyZ85);

app.Run();
