// A page that fails to render says so (and how to recover) instead of leaving a blank screen.
import { Component } from "react";
import type { ErrorInfo, ReactNode } from "react";
import i18next from "i18next";

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  componentDidUpdate(previous: { resetKey: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }
  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(error, info.componentStack);
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="govuk-error-summary" role="alert">
        <h1 className="govuk-heading-l">{i18next.t("common.pageFailed")}</h1>
        <p className="govuk-body">{i18next.t("common.pageFailedText")}</p>
        <pre className="govuk-body-s muster-code muster-pre">{this.state.error.message}</pre>
      </div>
    );
  }
}
