namespace AICO.Security.Tests;

public class Z85Tests
{
    [Fact]
    public void Encodes_the_rfc32_test_vector()
    {
        byte[] data = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        Assert.Equal("HelloWorld", Z85.Encode(data));
        Assert.Equal(data, Z85.Decode("HelloWorld"));
    }

    [Fact]
    public void Round_trips_random_keys()
    {
        for (var i = 0; i < 100; i++)
        {
            var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
            Assert.Equal(bytes, Z85.Decode(Z85.Encode(bytes)));
        }
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("Hello World")]
    [InlineData("Hell\u00e9")]
    [InlineData("#####")]
    public void Rejects_bad_text(string text) => Assert.False(Z85.TryDecode(text, out _));
}
