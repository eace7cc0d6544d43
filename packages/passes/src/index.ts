export * from "./autodiff";
