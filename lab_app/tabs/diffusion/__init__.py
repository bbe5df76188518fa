from lab_app.tabs.spec import PageSpec, TabSpec

TAB = TabSpec(
    key="diffusion",
    title="Diffusion",
    summary="Pictures (and sounds) made by removing noise step by step, steered by a caption.",
    pages=(
        PageSpec("add-noise", "Add noise", "Slide from a clean picture to pure noise.",
                 factory="lab_app.tabs.diffusion.add_noise_page:AddNoisePage",
                 plans=("The forward process, step by step",)),
        PageSpec("remove-noise", "Remove noise", "A trained model turns noise back into a picture, frame by frame.",
                 factory="lab_app.tabs.diffusion.remove_noise_page:RemoveNoisePage",
                 plans=("Live frames of the reverse process", "The predicted noise and clean image at each step")),
        PageSpec("caption", "Steer with a caption", "The caption's numbers steer what appears.",
                 factory="lab_app.tabs.diffusion.caption_page:CaptionPage",
                 plans=("Prompt, guidance scale and seed", "New words read through their word vectors")),
        PageSpec("music", "Music from noise", "A spectrogram painted by diffusion, played back as sound.",
                 factory="lab_app.tabs.diffusion.music_page:MusicPage",
                 plans=("Spectrogram frames and playback",)),
        PageSpec("train", "Train your own", "Watch a small diffusion model learn digits, faces or your own pictures, live.",
                 factory="lab_app.tabs.diffusion.train_page:TrainPage",
                 plans=("Live sample grid and loss curve",)),
    ),
)
