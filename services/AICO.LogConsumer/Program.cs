using AICO.Bus;
using AICO.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAicoBusClient(Components.LogConsumer);
builder.AddAicoDatabase(Components.LogConsumer);
builder.AddAicoLogConsumer();
builder.AddAicoBusLogging();

var app = builder.Build();
app.MapDefaultEndpoints();

var keys = ComponentKeys.Resolve(Components.LogConsumer, name => app.Configuration[name], AicoPaths.FromEnvironment());
app.Logger.LogInformation("AICO logconsumer starting with public key {PublicKey}", keys.KeyPair.PublicKeyZ85);

app.Run();
