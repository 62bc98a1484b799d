"""The only Streamlit-importing code outside app.py and app_pages/: page state and shared widgets."""
