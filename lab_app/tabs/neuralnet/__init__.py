from lab_app.tabs.spec import PageSpec, TabSpec

TAB = TabSpec(
    key="neuralnet",
    title="Neural Net",
    summary="A neuron is a weighted sum and a threshold; training nudges the weights.",
    pages=(
        PageSpec("neuron", "One neuron", "Inputs, weights and a threshold: when does the neuron fire?",
                 factory="lab_app.tabs.neuralnet.neuron_page:NeuronPage",
                 plans=("Sliders for weights and threshold, presets for AND, OR and a line detector",
                        "Why one neuron cannot do XOR")),
        PageSpec("playground", "Playground", "Train a small network live and watch its decision boundary form.",
                 factory="lab_app.tabs.neuralnet.playground_page:PlaygroundPage",
                 plans=("Datasets, layers, activation, learning rate", "A picture for every neuron, loss curves")),
        PageSpec("classifier", "Image classifier", "Real handwritten digits: train a classifier, then draw your own.",
                 factory="lab_app.tabs.neuralnet.classifier_page:ClassifierPage",
                 plans=("Accuracy curves and a confusion matrix", "A drawing pad with live class probabilities")),
        PageSpec("compression", "Compression", "An autoencoder squeezes each digit into 2 or 3 numbers.",
                 factory="lab_app.tabs.neuralnet.compression_page:CompressionPage",
                 plans=("The latent space as a scatter", "Walk the latent space and see digits morph")),
    ),
)
