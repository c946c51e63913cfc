using AICO.Models.Contracts;

namespace AICO.Models.Tests;

[Collection(EncoderCollection.Name)]
public class EmbeddingEngineTests(SharedEncoder shared)
{
    [Fact]
    public async Task Semantically_close_sentences_score_a_higher_cosine_similarity_than_unrelated_ones()
    {
        var v = await shared.Engine.EmbedAsync(
            ["The cat sits on the mat.", "A kitten is resting on a rug.", "Quarterly tax filings are due at the end of the month."],
            CancellationToken.None);

        var close = EmbeddingEngine.CosineSimilarity(v[0], v[1]);
        var unrelated = EmbeddingEngine.CosineSimilarity(v[0], v[2]);

        Assert.True(close > unrelated + 0.3f, $"close {close}, unrelated {unrelated}");
    }

    [Fact]
    public async Task Every_input_gets_one_unit_length_vector_of_the_model_dimension_in_order()
    {
        var v = await shared.Engine.EmbedAsync(["alpha", "beta", "alpha"], CancellationToken.None);

        Assert.Equal(3, v.Length);
        Assert.All(v, x => Assert.Equal(EmbeddingEngine.Dimensions, x.Length));
        Assert.All(v, x => Assert.InRange(Math.Sqrt(x.Sum(f => (double)f * f)), 0.99, 1.01));
        Assert.Equal(1f, EmbeddingEngine.CosineSimilarity(v[0], v[2]), 3);
    }

    [Fact]
    public async Task Empty_or_blank_input_is_rejected_as_an_invalid_request()
    {
        var empty = await Assert.ThrowsAsync<ModelServiceException>(() => shared.Engine.EmbedAsync([], CancellationToken.None));
        var blank = await Assert.ThrowsAsync<ModelServiceException>(() => shared.Engine.EmbedAsync(["ok", " "], CancellationToken.None));

        Assert.Equal(ModelServiceErrorCodes.InvalidRequest, empty.Code);
        Assert.Contains("input[1]", blank.Message);
    }
}
