"""Placeholder while this page is being built."""

from dashboard.layout import page

with page("Overfitting and data limits"):
    import streamlit as st

    st.info("This page is being built.")
