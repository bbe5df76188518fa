"""The Playground page's explainer text."""

EXPLAINER = """
<p><b>The picture.</b> Each dot is a point with a colour (its class). The network gets the point's coordinates
(the ticked <i>Input features</i>: by default just X₁ and X₂) and must learn which colour belongs where. The
background shows its current answer for every spot: orange means "class 0", blue "class 1", pale means it is
unsure. Squares are test points it never trains on, so they show whether it has really learned the pattern or
only memorised dots. Even before training some test points are right: the random starting weights split the
picture somehow, and by chance part of each colour lands on the right side.</p>
<p><b>How it learns.</b> After each small batch of points, backpropagation starts at the output, where the error
is known, and works backwards layer by layer, giving each weight its share of the blame (hence "back"). Each
weight is then nudged the other way, by an amount set by the learning rate. One pass over all training
points is an epoch. The small pictures show what each hidden neuron responds to. With only X₁ and X₂ ticked,
each first-layer neuron can only draw a straight edge, and later layers combine edges into curves and islands.
Tick X₁² and X₂² and even a single neuron can draw a circle.</p>
<p><b>Try it.</b> The circle needs at least a few neurons; the spiral needs more neurons and layers and
patience. Too high a learning rate makes the loss jump around; regularisation keeps weights small, which can
help with noisy data. Reset with the same seed replays exactly the same run.</p>
<p><b>Inside the network.</b> The drawing shows every weight as a line: blue pushes up, orange pushes down,
thicker means stronger. The orange bar and "push" number under each layer say how hard training is pushing its
weights right now (the average size of their gradient: which way and how strongly each weight should move to
shrink the error); tiny numbers in the first layers mean the signal barely
reaches them. Pause and drag the History slider to see an earlier epoch.</p>
<p><b>Your own data.</b> Choose "your points" and click into the picture (left: orange, right or Shift: blue),
or load a CSV file of x,y,label lines. Gaussian and spiral data can have up to 10 classes; regression data
(plane, multigauss) asks for a number instead of a class, shown from orange (low) to blue (high).</p>
"""
