"""Words and colours of the Compression page: one colour per digit, and the explainer."""

DIGIT_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")

EXPLAINER = """
<p><b>Squeeze and rebuild.</b> An 8×8 digit is 64 numbers. This network is an <i>autoencoder</i>: it learns to
encode its input and rebuild it. Its <i>encoder</i> half has to
describe it with only <i>k</i> numbers, the <i>code</i> (the narrow middle, or bottleneck); the <i>decoder</i>
half must rebuild all 64 from those k. Nobody tells it what the k numbers should mean: it is only scored on how
close the rebuilt picture is to the original, so it invents its own short code.</p>
<p><b>Why squeezing teaches.</b> Two numbers cannot store 64 pixels, so the network cannot simply copy. It
scores best by keeping what most pictures share and what tells them apart (which digit, how slanted, how thick)
and dropping the rest, like the pen's wobble. Finding that short description <i>is</i> finding what matters,
which is why people say "intelligence is compression": a model that can describe something briefly has
understood something about it. A language model is a compressor too: the better it guesses the next word, the
fewer bits it takes to write the text down.</p>
<p><b>The map.</b> With k = 2 every test digit becomes a point on a plane, coloured by what digit it really
is. Similar-looking digits land near each other, although the network was never told the labels.
Click or drag anywhere and the decoder draws the picture that point stands for: between two clusters you
see a blend of the two digits, and far from any dots shapes that look like no digit, because nothing taught it
what belongs there. Tick <i>Show k = 3 as a 3D cloud</i> and train with k = 3 to turn a cloud of three numbers
around.</p>
<p><b>The price.</b> The sweep trains one network per k (the grey labels say how many times smaller the code
is: 64/k). Fewer numbers means a smaller code but a blurrier rebuild: the error (the average squared difference
per pixel) falls quickly at first, then flattens once k is big enough to hold what matters. The sentence
example is the same idea with words: 6 words become 3 numbers. Sentences it practised come back whole; new ones
often lose a word, because 3 numbers cannot hold everything.</p>
"""
