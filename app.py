"""Scaling-law explorer: the Streamlit entry point (``streamlit run app.py``)."""

import streamlit as st

st.set_page_config(page_title="Scaling-law explorer", layout="wide")
st.title("Scaling-law explorer")
st.write("The pages are on their way; the numeric core is `scaling_core`.")
