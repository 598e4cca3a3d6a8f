"""Fit your runs: upload a run log (or load a sample), see how it was read, fit a law with
bootstrap intervals, check it on the largest runs, and take the numbers and charts away."""

from __future__ import annotations

import streamlit as st

from charts import fit_tables as ft
from dashboard import fit_mapping as fm
from dashboard import fit_session as fs
from dashboard import fit_upload as fu
from dashboard import fit_view as fv
from dashboard.layout import page
from dashboard.state import LINK_CAVEAT_KEY, USER_LAWS
from dashboard.widgets import choice, int_slider, log_slider, number_slider, toggle
from scaling_core.fit import FORMS

with page("Fit your runs"):
    st.markdown(
        "Upload your tracker's exports as they are — one file or many at once, or a zip: CSV/TSV, "
        "JSON or JSON Lines, W&B history, runs-table or chart exports, Hugging Face "
        "`trainer_state.json`, Lightning `metrics.csv` (+ `hparams.yaml`), TensorBoard event "
        "files, an MLflow `mlruns` folder zipped — or load a sample: real sweeps released by "
        "their authors, or synthetic ones. Then "
        "check which column is what and fill in what the logs lack. The files stay in this "
        "browser session: they are not kept on the server (TensorBoard files pass through a "
        "temporary file deleted at once) and never go into the page's link."
    )

    # ------------------------------------------------------------------ data source
    source = fu.current_source()
    fu.sync_sample_pick(source)  # the picker shows the sample on display (e.g. from a link)
    upload_col, sample_col = st.columns([3, 2])
    upload_col.file_uploader(
        "Run logs (several files or a zip)",
        type=None,
        accept_multiple_files=True,
        key=fu.uploader_key(),
        on_change=fu.on_upload,
        help=f"{fs.UPLOAD_LIMITS_TEXT} A file holding one run becomes a run named after the file.",
    )
    upload_col.caption(fs.UPLOAD_LIMITS_TEXT)
    refused = st.session_state.get(fu.UPLOAD_REFUSED_KEY)
    if refused:
        upload_col.error(f"Upload refused: {refused}.", icon=":material/block:")
    samples = fs.sample_names()
    sample_col.selectbox(
        "Or a sample: real published sweeps, then synthetic ones",
        samples,
        key=fu.SAMPLE_PICK_KEY,
        format_func=fs.sample_label,
        help="Real sweeps are released by their authors (licence and provenance in "
        "sample_data/real/); synthetic ones are described in sample_data/README.md.",
    )
    sample_col.button("Load this sample", key="fit_load_sample", on_click=fu.load_picked_sample)

    # ------------------------------------------------------------------ mapping
    read = None
    mapping = None
    if source is not None:
        fv.forget_other_files_picks(source.digest)
        loaded = fm.loaded_for(source)
        if isinstance(loaded, str):  # said under "How the file was read"; nothing to map
            read = loaded
        else:
            st.subheader("Map the columns")
            read, mapping = fm.show_mapping(loaded, source)

    # ------------------------------------------------------------------ fit controls
    st.subheader("Fit options")
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    form = choice(
        "Law form",
        "f_form",
        ["auto", *FORMS],
        "auto",
        format_func=lambda f: fs.FORM_LABELS[f],
        container=c1,
        help="Chinchilla (Hoffmann et al. 2022, eq. 2) fitted as their Approach 3; Kaplan et "
        "al. 2020 eq. 1.5; or a single power law in N or in C with an offset E. Automatic "
        "fits the Chinchilla form, or the power law in N when the runs cannot determine its "
        "D term (all at one D, or N and D moving together), and says so.",
    )
    delta = log_slider(
        "Huber δ (on log-loss residuals)",
        "f_delta",
        1e-4,
        1.0,
        1e-3,
        formatter=lambda v: f"{v:g}",
        per_decade=3,
        container=c2,
        help="Hoffmann et al. use 1e-3. Residuals are ~0.01, so δ ≥ 0.1 is least squares.",
    )
    exclude_k = int_slider(
        "Exclude the k highest-loss runs",
        "f_k",
        0,
        10,
        0,
        container=c3,
        help="Besiroglu et al. 2024 drop the 5 highest-loss runs before fitting.",
    )
    fix_e = toggle("Fix E (irreducible loss)", "f_fix_e", False, container=c4)
    fixed_e = None
    if fix_e:
        fixed_e = number_slider("E (nats/token)", "f_e", 0.0, 4.0, 1.69, 0.01, container=c4)
        if form == "kaplan":
            c4.caption("The Kaplan form has no E; the value is ignored.")

    if source is None:
        from_link = any(key.startswith("f_") for key in st.query_params)
        st.info(
            "Load a file or a sample to see the fit."
            + (
                " This link sets the fit's options; if it was shared from a view of an uploaded "
                "file, upload that file: links never carry files."
                if from_link
                else ""
            )
        )
        st.session_state[USER_LAWS] = {}
    else:
        usable = not isinstance(read, str) and read is not None and read.log is not None
        is_curves = usable and read.log.curves is not None
        points = "final"
        if is_curves:
            points = choice(
                "Fit to",
                "f_points",
                list(fs.POINTS_LABELS),
                "auto",
                format_func=fs.POINTS_LABELS.__getitem__,
                help="Snapshots read every run's loss at a few compute budgets (log-log "
                "interpolation between logged points, never extrapolated). "
                "Automatic fits the final points unless every run ends at one tokens-per-"
                "parameter ratio, where a two-term law cannot be identified from them.",
            )
        probe = read.log if usable else "nothing usable"
        where = fv.sweep_pickers(probe, source, read.factors if usable else None)
        if points == "auto":
            points, why = fs.auto_points(read.log, where)
            st.caption(f"Fit to (automatic): {why}.")
        options = fs.FitOptions(form, float(delta), exclude_k, fixed_e, points, where)
        if isinstance(read, str) or read is None:
            outcome = fs.FitOutcome(read_error=read or "nothing read")
        else:
            outcome = fu.outcome_for(source, options, read, mapping.key if mapping else "")
            fu.start_ahead(outcome, source, options)
        snapshots = outcome.snapshots
        if snapshots:
            st.info(fs.SNAPSHOT_CAVEAT, icon=":material/info:")
        where = "sample"
        if source.kind == "upload":
            where = "uploaded files" if len(source.all_files) > 1 else "uploaded file"
            st.session_state[LINK_CAVEAT_KEY] = (
                f"It keeps this page's options, not the {where}: files stay in this session, "
                "so whoever opens the link uploads them again."
            )
        st.caption(f"Showing the {where} **{ft.escape_markdown(source.name)}**.")

        # -------------------------------------------------------------- sections
        st.subheader("How the file was read")
        if outcome.read_error is not None:
            st.error(f"Could not use this file: {ft.escape_markdown(outcome.read_error)}")
            st.info("Fix the file and upload it again, or load a sample above.")
            st.session_state[USER_LAWS] = {}
        else:
            fv.show_report(outcome.log, outcome.notes)
            boot = fv.show_fit(outcome, source, options)
            charts = fv.show_charts(outcome, source, options, boot)
            fv.show_downloads(outcome, boot, source, charts)
