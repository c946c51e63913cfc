using AICO.Bus;
using AICO.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAicoBroker();
// Its own records travel the bus like every process's: this client dials the engine registered (and bound) just above.
builder.AddAicoBusClient(Components.Broker);
builder.AddAicoBusLogging();

var app = builder.Build();
app.MapDefaultEndpoints();

var keys = ComponentKeys.Resolve(Components.Broker, name => app.Configuration[name], AicoPaths.FromEnvironment());
app.Logger.LogInformation("AICO broker starting with public key {PublicKey}", keys.KeyPair.PublicKeyZ85);

app.Run();
